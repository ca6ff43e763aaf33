# Build:  docker build -t event-aggregator .   (offline: see the README's Docker section)
# Run:    docker run --rm -p 8080:8080 -v aggregator-data:/data event-aggregator
# Health: docker inspect --format '{{.State.Health.Status}}' <container>  (GET /readyz)
# Skip the unit tests in the build stage with --build-arg RUN_UNIT_TESTS=0.
# No "# syntax=" line: it makes BuildKit fetch a frontend image from a registry, and the
# built-in frontend of both builders (legacy and BuildKit) reads everything used here.

FROM debian:bookworm AS build
WORKDIR /src
# Dependencies first, so editing the sources does not invalidate this layer. --build: the
# compilers and -dev libraries only, none of the test and benchmark tools (they never run here).
# apt-get clean: a base image without Debian's docker-clean hook would keep the .debs.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh --build && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY . .
# Only the server and the unit tests: the integration tests need the tools left out above.
RUN BUILD_DIR=build BUILD_TYPE=RelWithDebInfo BUILD_TARGET=event-aggregator bash scripts/build.sh
# Declared after the server's build, so that changing it does not rebuild the server.
ARG RUN_UNIT_TESTS=1
RUN if [ "$RUN_UNIT_TESTS" = 1 ]; then \
      BUILD_DIR=build BUILD_TYPE=RelWithDebInfo BUILD_TARGET=unit_tests bash scripts/build.sh \
      && ctest --test-dir build -R '^unit:' --output-on-failure --no-tests=error; \
    fi
# Keep the symbols out of the image; the build stage still has the unstripped binary.
RUN strip --strip-debug -o /event-aggregator build/event-aggregator && chmod 0755 /event-aggregator

FROM debian:bookworm-slim AS runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN bash /tmp/install-deps.sh --runtime && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
RUN groupadd --system aggregator \
 && useradd --system --gid aggregator --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin aggregator \
 && mkdir -p /data && chown aggregator:aggregator /data
COPY --from=build /event-aggregator /usr/local/bin/event-aggregator
USER aggregator
# A fresh named volume copies this directory's owner, so the non-root user can write to it.
VOLUME /data
EXPOSE 8080
# Defaults through the environment rather than arguments, so `docker run -e` and compose's
# `environment:` can change any of them (the command line would win over the environment).
ENV EVENT_AGGREGATOR_HOST=0.0.0.0 \
    EVENT_AGGREGATOR_PORT=8080 \
    EVENT_AGGREGATOR_DATA_DIR=/data
# No curl in the slim image: the binary's own check mode asks GET /readyz of the server the
# same environment configures (0.0.0.0 is asked on 127.0.0.1) and exits 0 or 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["event-aggregator", "--healthcheck"]
ENTRYPOINT ["event-aggregator"]
