# do-snapshot as a container image: a static (musl) binary on an empty base.
#
#   docker build -t do-snapshot .
#   docker run --rm -e DO_TOKEN="$DO_TOKEN" do-snapshot -s 1d -r lon1 -k 3d:1d -k 1w:1w
#
# The binary is the entrypoint, so the arguments are the original tool's command line. It runs
# as an unprivileged user (65532). With a read-only root filesystem (`docker run --read-only`,
# Kubernetes' readOnlyRootFilesystem), give it a writable /tmp for its lock file
# (`--tmpfs /tmp`, or an emptyDir mounted at /tmp), or pass --lock-file PATH on a writable mount.
# TLS roots are built into the binary, so the image needs no /etc/ssl.

# Build: Alpine's toolchain targets musl, so the binary links statically.
FROM rust:1.89-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --locked --profile dist --bin do-snapshot \
    && mkdir -p /rootfs/tmp \
    && chmod 1777 /rootfs/tmp

# Run: nothing but the binary and an empty /tmp (where the lock file goes by default).
FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build /src/target/dist/do-snapshot /usr/local/bin/do-snapshot
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/do-snapshot"]
