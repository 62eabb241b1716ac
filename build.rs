//! Gives the C library the SONAME of the library it replaces,
//! `librsync.so.2` (the major number of the package version, 2.3.2), so
//! that programs linked against our build look for the same file as
//! programs linked against librsync.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        target_os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "2".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,librsync.so.{major}");
    }
}
