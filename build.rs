//! Compiles every effective spec `openapi/<api>.json` into the typed client
//! `$OUT_DIR/<api>.rs` that `src/` includes. The specs themselves are written
//! by `cargo xtask regen`; a spec progenitor cannot take fails the build with
//! a message naming it and the problem (see the smsgate-codegen crate).

use std::path::Path;
use std::{env, fs, process};

fn main() {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    // The directory itself, so that a new spec is noticed too.
    println!("cargo::rerun-if-changed=openapi");
    let mut specs: Vec<_> = fs::read_dir("openapi")
        .expect("openapi/ is part of the package")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    specs.sort();

    let mut failed = false;
    for path in &specs {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("spec names are UTF-8");
        let generated = fs::read_to_string(path)
            .map_err(|e| format!("openapi/{name}: cannot read it: {e}"))
            .and_then(|text| smsgate_codegen::generate_client(name, &text).map_err(|e| e.to_string()));
        match generated {
            Ok(source) => {
                let target = Path::new(&out_dir).join(name.replace(".json", ".rs"));
                fs::write(&target, source).expect("OUT_DIR is writable");
            }
            Err(message) => {
                eprintln!("error: {message}");
                failed = true;
            }
        }
    }
    if failed {
        process::exit(1);
    }
}
