# shellcheck shell=bash
# Builds the local base images the e2e needs (no registry is reachable, so nothing can be pulled):
#   walship-e2e-base:bookworm        Debian bookworm + a Java 17 JRE, python3 and sqlite3 (runtime of both images)
#   walship-e2e-build-base:bookworm  the same + JDK and Maven (only for E2E_FROM_SOURCE=1: the Dockerfile's default path)
# Each root filesystem is made with debootstrap from the host's Debian mirror and cached as a tarball under
# $E2E_CACHE, keyed by a hash of its package list, so that a warm run only imports it (seconds, not minutes).
# Sourced by compose-e2e.sh; uses log/die/docker from there.

BASE_PACKAGES="openjdk-17-jre-headless python3 sqlite3 ca-certificates"
# shellcheck disable=SC2034 # used by steps.sh
BUILD_PACKAGES="$BASE_PACKAGES openjdk-17-jdk-headless maven"
BASE_SUITE=bookworm

# The Debian mirror the host's apt uses (first URIs of a bookworm entry), or $E2E_DEBIAN_MIRROR.
debian_mirror() {
  if [ -n "${E2E_DEBIAN_MIRROR:-}" ]; then echo "$E2E_DEBIAN_MIRROR"; return; fi
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ {u=$2} /^Suites:/ && $0 ~ / '"$BASE_SUITE"'( |$)/ && u {print u; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb" && $3=="'"$BASE_SUITE"'" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || die "no Debian $BASE_SUITE mirror in /etc/apt/sources.list(.d); set E2E_DEBIAN_MIRROR=http://<mirror>/debian"
  echo "$m"
}

# The build base reaches Maven Central, so it trusts what the host trusts: the host's own CAs
# (/usr/local/share/ca-certificates, e.g. a company's TLS-inspecting proxy) are copied in before the JDK's
# trust store is generated. Nothing else in the images comes from the host.
host_cas() { find /usr/local/share/ca-certificates -name '*.crt' -type f 2>/dev/null | sort; }

# make_rootfs_tar PACKAGES OUT.tar WITH_HOST_CAS: debootstrap + apt-get install in a chroot, then tar the root.
make_rootfs_tar() {
  local packages=$1 out=$2 with_cas=$3 root
  root=$(mktemp -d "$E2E_WORK/rootfs.XXXXXX")
  log "debootstrap $BASE_SUITE into $root (a few minutes, cached afterwards)"
  debootstrap --variant=minbase "$BASE_SUITE" "$root" "$(debian_mirror)" >"$E2E_WORK/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $E2E_WORK/debootstrap.log"
  if [ "$with_cas" = 1 ] && [ -n "$(host_cas)" ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    host_cas | xargs -r cp -t "$root/usr/local/share/ca-certificates/"
  fi
  mount -t proc proc "$root/proc"   # the JRE's postinst (ca-certificates-java) runs java, which needs /proc
  # shellcheck disable=SC2086
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages && apt-get clean && rm -rf /var/lib/apt/lists/*" \
    >"$E2E_WORK/chroot-apt.log" 2>&1 || die "apt-get install in the chroot failed; see $E2E_WORK/chroot-apt.log"
  umount "$root/proc"
  tar -C "$root" --numeric-owner -cf "$out.partial" . && mv "$out.partial" "$out"
  rm -rf "$root"
}

# ensure_base_image TAG PACKAGES [WITH_HOST_CAS]: imports TAG from the cached tarball, building it if needed.
ensure_base_image() {
  local tag=$1 packages=$2 with_cas=${3:-0} key tarball cas=""
  [ "$with_cas" = 0 ] || cas=$(host_cas | xargs -r cat | sha256sum)
  key=$(printf '%s|%s|%s|v1' "$BASE_SUITE" "$packages" "$cas" | sha256sum | cut -c1-16)
  tarball="$E2E_CACHE/${tag%%:*}-$key.tar"
  if docker image inspect "$tag" >/dev/null 2>&1 \
      && [ "$(docker image inspect -f '{{index .Config.Labels "walship.e2e.key"}}' "$tag")" = "$key" ]; then
    log "base image $tag is present (key $key)"
    return
  fi
  if [ ! -f "$tarball" ]; then
    mkdir -p "$E2E_CACHE"
    # Tarballs of this image with another package list are stale: drop them (each is ~400 MB).
    find "$E2E_CACHE" -maxdepth 1 -name "${tag%%:*}-*.tar" ! -name "${tarball##*/}" -delete
    make_rootfs_tar "$packages" "$tarball" "$with_cas"
  else
    log "base image $tag from cache $tarball"
  fi
  docker import -c "LABEL walship.e2e.key=$key" -c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' "$tarball" "$tag" >/dev/null \
    || die "docker import of $tarball failed"
}
