# walship container image: the sidecar, its CLI (restore, snapshots, hook) and a health check.
#
#   docker build -t walship .                            # builds the jar from source with Maven (default)
#   docker build --build-arg JAR=prebuilt -t walship .   # uses target/walship.jar from `mvn package` on the host
#
# Needs BuildKit (the default since Docker 23; DOCKER_BUILDKIT=1 on 20.10), so that only the jar stage chosen
# by JAR is built. The base images are build args: the same file builds with public images for users and,
# offline, with locally built images in e2e/compose-e2e.sh. docs/DOCKER.md explains every choice below.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
# A full, vendor-patched JRE rather than a jlink'd one: the S3 and GCS SDKs load JDK modules reflectively
# (java.naming, jdk.crypto.ec, java.security.jgss, ...), so a trimmed module list fails only at run time on
# a rarely used path; and the Ubuntu-based image gets its security updates from the vendor. It also has the
# bash that the health check uses.
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre
# source (Maven build below) or prebuilt (COPY target/walship.jar, built on the host)
ARG JAR=source

FROM ${BUILD_IMAGE} AS jar-source
WORKDIR /src
COPY pom.xml ./
COPY src ./src
# Tests run in CI (mvn -B verify), not in the image build; -Dmdep.skip skips fetching the S3Proxy test jar.
# The cache mount keeps ~/.m2 between builds, so a rebuild after a source change downloads nothing.
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -Dmaven.test.skip=true -Dmdep.skip=true package \
 && cp target/walship.jar /walship.jar

FROM scratch AS jar-prebuilt
COPY target/walship.jar /walship.jar

# The jar stage chosen by JAR; BuildKit builds only the stages the final image needs.
FROM jar-${JAR} AS jar

FROM ${RUNTIME_IMAGE}
# A fixed, non-root uid/gid. The app container must be able to write the same files (the database, its -wal and
# -shm, walship's spool next to them): run the app with this uid, or build with the app's uid
# (--build-arg WALSHIP_UID=1000 --build-arg WALSHIP_GID=1000). docs/DOCKER.md, "Volumes and users".
ARG WALSHIP_UID=10001
ARG WALSHIP_GID=10001
RUN groupadd --gid "${WALSHIP_GID}" walship \
 && useradd --uid "${WALSHIP_UID}" --gid "${WALSHIP_GID}" --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin walship \
 && mkdir -p /opt/walship /etc/walship /data /backups \
 && chown "${WALSHIP_UID}:${WALSHIP_GID}" /data /backups

COPY --from=jar /walship.jar /opt/walship/walship.jar
COPY docker/walship docker/walship-healthcheck /usr/local/bin/
COPY docker/sidecar.yml /etc/walship/sidecar.yml

# WALSHIP_ADMIN and WALSHIP_ADMIN_TOKEN_FILE are read by `walship hook ...` (and the health check reads
# WALSHIP_ADMIN), so `docker compose exec walship walship hook pre-deploy --label TAG` needs no flags.
# The sidecar reads the same token through `admin-token-file:` in its sidecar.yml.
ENV WALSHIP_ADMIN=http://127.0.0.1:9090 \
    WALSHIP_ADMIN_TOKEN_FILE=/run/secrets/walship_admin_token \
    JAVA_OPTS=""

# Writable paths (for read_only: true): /data (the database volume, with walship's spool beside the database),
# the replica directory of a file replica, and /tmp (a tmpfs that allows exec: the SQLite and zstd JNI
# libraries are unpacked there and loaded). No VOLUME for /data on purpose: /data is only useful when it is the
# app's volume, and an anonymous volume would hide a forgotten mount (walship would wait, healthy, on an empty
# directory, and --restore-if-missing would restore into a throwaway volume).
USER walship
WORKDIR /data

# Start-up may include a restore (--restore-if-missing); raise --start-period for large databases.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["walship-healthcheck"]

ENTRYPOINT ["walship", "replicate", "--config", "/etc/walship/sidecar.yml", "--restore-if-missing"]
