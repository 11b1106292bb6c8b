# kcert as a container image: one static (musl) binary on an empty base.
#
#   docker build -t kcert:0.1.0 .
#
# The image runs `kcert serve` in the DaemonSet of assets/deploy (see docs/fleet.md); any
# other command works too (`docker run --rm kcert:0.1.0 --help`).

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# `demo` (the in-process demo API server) is left out of the image.
RUN cargo build --release --locked --no-default-features --target x86_64-unknown-linux-musl \
 && cp target/x86_64-unknown-linux-musl/release/kcert /kcert

FROM scratch
COPY --from=build /kcert /kcert
# Root, for the node's 0600 keys and kubeconfigs; the DaemonSet drops every capability but
# DAC_READ_SEARCH and mounts everything read-only.
USER 0:0
EXPOSE 9793
ENTRYPOINT ["/kcert"]
CMD ["serve", "--listen", "0.0.0.0:9793"]
