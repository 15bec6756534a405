//! Passes the Launchplane revision of the spec compiled into launchplane-client to `--version`.

fn main() {
    let revision = std::env::var("DEP_LAUNCHPLANE_SPEC_REVISION")
        .expect("launchplane-client reports its spec's revision (links = \"launchplane-spec\")");
    println!("cargo:rustc-env=LAUNCHPLANE_SPEC_REVISION={revision}");
}
