//! `cargo xtask soak [--minutes M] [--backend webgpu|cpu] [--preset ID]`: builds the site, serves
//! it and trains in headless Chromium for M minutes (default 30), printing a memory sample each
//! minute (JS heap, wasm memory, the page's live GPU buffers) and a summary of their spread.

use std::path::Path;

use crate::{dist, serve, tools};

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut node_args = vec!["tests/soak.mjs".to_string()];
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--minutes" | "--backend" | "--preset" => {
                let value = args.next().ok_or(format!("{flag} takes a value"))?;
                node_args.push(flag.clone());
                node_args.push(value.clone());
            }
            _ => {
                return Err(
                    "usage: cargo xtask soak [--minutes M] [--backend webgpu|cpu] [--preset ID]"
                        .into(),
                );
            }
        }
    }
    dist(root)?;
    tools::ensure_browser_tools(root)?;
    let server = serve::Server::start(&root.join("dist"), 0)?;
    eprintln!("$ node {}", node_args.join(" "));
    let args: Vec<&str> = node_args.iter().map(String::as_str).collect();
    crate::node(root, &args, &server, "the soak run failed")
}
