# The adminlint container image: a static musl binary on an empty base.
#   docker build -t adminlint .
#   docker run --rm -v "$PWD:/src" adminlint check .
# Built on Alpine, whose Rust targets musl and links statically by default, so the binary needs
# nothing from the image it runs in: the final stage is `scratch`, holding the binary alone.
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY . .
# Stripped: the image is the binary, and backtraces' line tables are not worth their size there.
RUN CARGO_PROFILE_RELEASE_STRIP=true cargo build --release --locked --bin adminlint

FROM scratch
COPY --from=build /build/target/release/adminlint /adminlint
# Mount the repository here; findings name paths relative to it.
WORKDIR /src
ENTRYPOINT ["/adminlint"]
CMD ["check", "."]
