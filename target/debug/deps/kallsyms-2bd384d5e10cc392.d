/work/main/target/debug/deps/kallsyms-2bd384d5e10cc392.d: src/lib.rs src/error.rs src/layout.rs src/table.rs

/work/main/target/debug/deps/libkallsyms-2bd384d5e10cc392.rlib: src/lib.rs src/error.rs src/layout.rs src/table.rs

/work/main/target/debug/deps/libkallsyms-2bd384d5e10cc392.rmeta: src/lib.rs src/error.rs src/layout.rs src/table.rs

src/lib.rs:
src/error.rs:
src/layout.rs:
src/table.rs:
