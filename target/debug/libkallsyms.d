/work/main/target/debug/libkallsyms.rlib: /work/main/src/error.rs /work/main/src/layout.rs /work/main/src/lib.rs /work/main/src/table.rs
