//! The share link: a run's whole configuration in the page's URL hash, like TensorFlow Playground
//! (`#preset=dcgan&lrG=0.0005&seed=7&autostart=1`). Parsing never fails: valid fields apply, and
//! every field that does not is named in `ignored`, with why. Plain data, tested natively.

use ganvas_core::train::TrainConfig;
use serde::Serialize;

use crate::options::{RunOptions, Settings};

/// The longest hash read; the rest of a longer one is ignored (and said so).
pub const MAX_HASH: usize = 4096;
/// The most fields read.
const MAX_FIELDS: usize = 64;
/// Panels a link may hide (`hide=settings,draw`): the page's section ids without the `#`.
pub const HIDEABLE: [&str; 8] = [
    "presets",
    "settings",
    "stepper",
    "quality",
    "explore",
    "draw",
    "step-view",
    "own-images",
];

/// What a link asks for.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    pub preset: Option<String>,
    pub settings: Settings,
    /// Start training once the page is ready.
    pub autostart: bool,
    /// Start from the preset's shipped pretrained model (`www/models/<preset>.ganvas`).
    pub pretrained: bool,
    /// Panels to hide, from [`HIDEABLE`].
    pub hide: Vec<String>,
    /// The fields that did not apply, each with the reason, in words for the status line.
    pub ignored: Vec<String>,
}

/// Reads a URL hash (with or without its leading `#`).
pub fn parse(hash: &str) -> Link {
    let mut link = Link::default();
    let mut text = hash.strip_prefix('#').unwrap_or(hash);
    if text.len() > MAX_HASH {
        link.ignored
            .push(format!("everything after the first {MAX_HASH} characters"));
        let mut end = MAX_HASH;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text = &text[..end];
    }
    for (i, pair) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
        if i == MAX_FIELDS {
            link.ignored
                .push(format!("fields after the first {MAX_FIELDS}"));
            break;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        if let Err(why) = apply(&mut link, key, &value) {
            link.ignored.push(format!("{} ({why})", shown(key)));
        }
    }
    // Each field was checked alone; together they must make a valid run (e.g. DCGAN widths).
    let options = RunOptions {
        preset: link.preset.clone(),
        settings: link.settings.clone(),
        ..Default::default()
    };
    if let Err(why) = options.train_config() {
        link.ignored.push(format!("the model settings ({why})"));
        link.settings.architecture = None;
        link.settings.generator_hidden = None;
        link.settings.discriminator_hidden = None;
        link.settings.latent_dim = None;
    }
    // The messages quote what the link said: printable characters only, and not too many.
    for m in &mut link.ignored {
        *m = m.chars().filter(|c| !c.is_control()).take(160).collect();
    }
    link
}

/// A key as it may be shown on the page: printable, short.
fn shown(key: &str) -> String {
    let clean: String = decode(key)
        .chars()
        .filter(|c| !c.is_control())
        .take(24)
        .collect();
    if clean.is_empty() {
        "an empty field".into()
    } else {
        format!("\"{clean}\"")
    }
}

/// Percent-decoding (lossy: bad escapes stay as they are, bad UTF-8 becomes U+FFFD).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn number<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value.trim().parse().map_err(|_| "not a number".to_string())
}

fn list(value: &str) -> Result<Vec<usize>, String> {
    value
        .split(',')
        .map(number::<usize>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "not a list of whole numbers".to_string())
}

fn flag(value: &str) -> Result<bool, String> {
    match value {
        "1" | "true" | "" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err("not 0 or 1".into()),
    }
}

/// One field, checked on its own against the same ranges as the settings form.
fn apply(link: &mut Link, key: &str, value: &str) -> Result<(), String> {
    let s = &mut link.settings;
    let mut probe = s.clone();
    match key {
        "preset" => {
            if ganvas_core::preset::preset(value).is_none() {
                return Err("no such preset".into());
            }
            link.preset = Some(value.to_string());
            return Ok(());
        }
        "autostart" => {
            link.autostart = flag(value)?;
            return Ok(());
        }
        "pretrained" => {
            link.pretrained = flag(value)?;
            return Ok(());
        }
        "hide" => {
            for part in value.split(',').filter(|p| !p.is_empty()) {
                if HIDEABLE.contains(&part) {
                    if !link.hide.iter().any(|h| h == part) {
                        link.hide.push(part.to_string());
                    }
                } else {
                    link.ignored
                        .push(format!("hide {} (no such panel)", shown(part)));
                }
            }
            return Ok(());
        }
        "seed" => probe.seed = Some(number(value)?),
        "batch" => probe.batch_size = Some(number(value)?),
        "arch" => probe.architecture = Some(value.to_string()),
        "conditional" => probe.conditional = Some(flag(value)?),
        "batchNorm" => probe.batch_norm = Some(flag(value)?),
        "latent" => probe.latent_dim = Some(number(value)?),
        "gWidths" => probe.generator_hidden = Some(list(value)?),
        "dWidths" => probe.discriminator_hidden = Some(list(value)?),
        "loss" => probe.loss = Some(value.to_string()),
        "lrG" => probe.lr_g = Some(number(value)?),
        "lrD" => probe.lr_d = Some(number(value)?),
        "beta1" => probe.beta1 = Some(number(value)?),
        "dSteps" => probe.d_steps = Some(number(value)?),
        "realLabel" => probe.real_label = Some(number(value)?),
        "clip" => probe.clip = Some(number(value)?),
        "ema" => probe.ema = Some(number(value)?),
        "data" => probe.dataset = Some(value.to_string()),
        _ => return Err("unknown setting".into()),
    }
    // The field alone, on the default run: out-of-range values and unknown names fail here.
    // (Widths are checked with the architecture, once all fields are read.)
    let alone = Settings {
        generator_hidden: None,
        discriminator_hidden: None,
        ..field_only(&probe, s)
    };
    alone.apply(TrainConfig::new()).map_err(|e| e.to_string())?;
    *s = probe;
    Ok(())
}

/// The settings that `probe` sets and `before` did not (the one new field).
fn field_only(probe: &Settings, before: &Settings) -> Settings {
    macro_rules! new {
        ($f:ident) => {
            if probe.$f != before.$f {
                probe.$f.clone()
            } else {
                None
            }
        };
    }
    Settings {
        seed: new!(seed),
        batch_size: new!(batch_size),
        architecture: new!(architecture),
        conditional: new!(conditional),
        batch_norm: new!(batch_norm),
        latent_dim: new!(latent_dim),
        generator_hidden: new!(generator_hidden),
        discriminator_hidden: new!(discriminator_hidden),
        loss: new!(loss),
        lr_g: new!(lr_g),
        lr_d: new!(lr_d),
        beta1: new!(beta1),
        d_steps: new!(d_steps),
        real_label: new!(real_label),
        clip: new!(clip),
        ema: new!(ema),
        dataset: new!(dataset),
    }
}

/// The hash for a run: its preset and every setting, so the link does not depend on presets'
/// defaults staying the same. `autostart`, `pretrained` and `hide` are added when asked for.
pub fn format(
    preset: Option<&str>,
    s: &Settings,
    autostart: bool,
    pretrained: bool,
    hide: &[String],
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={v}"));
        }
    };
    let join = |v: &Option<Vec<usize>>| {
        v.as_ref()
            .map(|v| v.iter().map(usize::to_string).collect::<Vec<_>>().join(","))
    };
    // f32 settings print through f32, so 0.01 stays "0.01".
    let f32s = |v: Option<f32>| v.map(|x| x.to_string());
    put("preset", preset.map(str::to_string));
    put("data", s.dataset.clone());
    put("arch", s.architecture.clone());
    put(
        "conditional",
        s.conditional.map(|c| if c { "1" } else { "0" }.into()),
    );
    put(
        "batchNorm",
        s.batch_norm.map(|c| if c { "1" } else { "0" }.into()),
    );
    put("loss", s.loss.clone());
    put("lrG", s.lr_g.map(|x| x.to_string()));
    put("lrD", s.lr_d.map(|x| x.to_string()));
    put("beta1", f32s(s.beta1));
    put("batch", s.batch_size.map(|x| x.to_string()));
    put("latent", s.latent_dim.map(|x| x.to_string()));
    put("dSteps", s.d_steps.map(|x| x.to_string()));
    put("realLabel", f32s(s.real_label));
    put("clip", f32s(s.clip));
    put("ema", f32s(s.ema));
    put("gWidths", join(&s.generator_hidden));
    put("dWidths", join(&s.discriminator_hidden));
    put("seed", s.seed.map(|x| x.to_string()));
    if autostart {
        put("autostart", Some("1".into()));
    }
    if pretrained {
        put("pretrained", Some("1".into()));
    }
    if !hide.is_empty() {
        put("hide", Some(hide.join(",")));
    }
    format!("#{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::preset_list;
    use proptest::prelude::*;

    #[test]
    fn every_preset_round_trips_through_its_link() {
        for p in preset_list() {
            let hash = format(Some(p.id), &p.settings, true, true, &["draw".into()]);
            let link = parse(&hash);
            assert!(link.ignored.is_empty(), "{hash}: {:?}", link.ignored);
            assert_eq!(link.preset.as_deref(), Some(p.id));
            assert_eq!(link.settings, p.settings, "{hash}");
            assert!(link.autostart && link.pretrained);
            let plain = parse(&format(Some(p.id), &p.settings, false, false, &[]));
            assert!(!plain.autostart && !plain.pretrained);
            assert_eq!(link.hide, vec!["draw".to_string()]);
        }
    }

    #[test]
    fn bad_fields_are_ignored_and_named_and_good_ones_apply() {
        let link =
            parse("#seed=7&batch=0&lrG=abc&nope=1&loss=wgan&hide=settings,evil&arch=<script>");
        assert_eq!(link.settings.seed, Some(7));
        assert_eq!(link.settings.loss.as_deref(), Some("wgan"));
        assert_eq!(link.settings.batch_size, None);
        assert_eq!(link.hide, vec!["settings".to_string()]);
        let said = link.ignored.join(" | ");
        for part in [
            "\"batch\"",
            "\"lrG\" (not a number)",
            "\"nope\" (unknown setting)",
            "\"evil\"",
            "\"arch\"",
        ] {
            assert!(said.contains(part), "{part} in {said}");
        }
        // Widths that do not fit the architecture are refused together, with the reason.
        let link = parse("arch=dcgan&gWidths=1,2,3");
        assert!(
            link.ignored.join(" ").contains("exactly two"),
            "{:?}",
            link.ignored
        );
        assert_eq!(link.settings.generator_hidden, None);
        // A huge hash is cut, and said so.
        let link = parse(&format!("seed=3&{}", "x".repeat(100_000)));
        assert_eq!(link.settings.seed, Some(3));
        assert!(link.ignored[0].contains("4096"));
    }

    #[test]
    fn percent_escapes_decode() {
        assert_eq!(decode("a%2Cb+c%"), "a,b c%");
        assert_eq!(decode("%zz%e2%82%ac"), "%zz€");
        assert_eq!(
            parse("gWidths=128%2C64").settings.generator_hidden,
            Some(vec![128, 64])
        );
    }

    proptest! {
        // 100,000 generated hashes per property (the bar); the parser never panics, never
        // returns more than it was given to say, and what it keeps is always a valid run.
        #![proptest_config(ProptestConfig { cases: 100_000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_string_parses_to_a_valid_run(hash in "\\PC{0,200}") {
            check(&hash);
        }

        #[test]
        fn any_mix_of_real_keys_and_junk_parses_to_a_valid_run(
            fields in prop::collection::vec(
                (prop::sample::select(vec!["preset", "seed", "batch", "arch", "conditional", "batchNorm", "latent",
                    "gWidths", "dWidths", "loss", "lrG", "lrD", "beta1", "dSteps", "realLabel", "clip",
                    "ema", "data", "autostart", "pretrained", "hide", "x"]),
                 "[-0-9a-z.,%<>\"=]{0,12}"),
                0..12),
        ) {
            let hash: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            check(&hash.join("&"));
        }
    }

    fn check(hash: &str) {
        let link = parse(hash);
        let options = RunOptions {
            preset: link.preset.clone(),
            settings: link.settings.clone(),
            ..Default::default()
        };
        assert!(options.train_config().is_ok(), "{hash:?} gave {link:?}");
        assert!(link.hide.iter().all(|h| HIDEABLE.contains(&h.as_str())));
        assert!(
            link.ignored
                .iter()
                .all(|m| m.chars().all(|c| !c.is_control())),
            "{link:?}"
        );
    }
}
