//! Gives the C library the SONAME of the library it replaces,
//! `librsync.so.2`, so that programs linked against our build look for the
//! same file as programs linked against librsync.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        target_os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librsync.so.2");
    }
}
