//! A share link's hash, as the page reads it: `link::parse` never fails or panics, and what it
//! returns always makes a valid run (its settings apply to the preset it names), and writes back
//! to a link that reads the same.
#![no_main]

use ganvas_web::link;
use ganvas_web::options::RunOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let hash = String::from_utf8_lossy(bytes);
    let parsed = link::parse(&hash);
    let options = RunOptions {
        preset: parsed.preset.clone(),
        settings: parsed.settings.clone(),
        ..Default::default()
    };
    options.train_config().expect("a parsed link makes a valid run");
    let again = link::parse(&link::format(
        parsed.preset.as_deref(),
        &parsed.settings,
        parsed.autostart,
        parsed.pretrained,
        &parsed.hide,
    ));
    assert_eq!(again.settings, parsed.settings);
    assert!(again.ignored.is_empty(), "{:?}", again.ignored);
});
