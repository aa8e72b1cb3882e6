#!/usr/bin/env bash
# Builds a minimal Java base image without a registry or a container engine, as a Docker-format archive that
# jib takes as its base (-Devbase.image.base=tar:///path/base.tar).
#
#   deploy/base-image.sh OUT.tar [APP.jar]
#
# The runtime is the local JDK cut down by jlink to the modules jdeps finds in the application (APP.jar, the
# Spring Boot jar, default target/evbase.jar: its classes and every dependency), at /opt/java/openjdk as in the
# eclipse-temurin images. Beneath it only the shared libraries that runtime loads and the time zones, from
# Debian's own packages unpacked with dpkg -x: libc6, libgcc-s1, libstdc++6, zlib1g, tzdata. No shell, no
# package manager, no passwd entries (the image runs as a numeric user).
#
# Needs: a JDK 17+ (JAVA_HOME, or the one javac belongs to), apt-get and dpkg (Debian), sha256sum; as root it
# also starts the cut-down java once on the unpacked libraries alone (unshare, chroot).
set -euo pipefail

out=${1:?usage: deploy/base-image.sh OUT.tar [APP.jar]}
jar=${2:-target/evbase.jar}
[ -f "$jar" ] || { echo "base-image: $jar not found (run ./mvnw package first)" >&2; exit 1; }
jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
debs=(libc6 libgcc-s1 libstdc++6 zlib1g tzdata)
tag=evbase-base:local

work=$(mktemp -d "${TMPDIR:-/tmp}/evbase-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
out=$(realpath -m "$out")
jar=$(realpath "$jar")
mkdir -p "$(dirname "$out")"

# The modules the application needs, as jdeps reads them off its classes and all its dependencies.
mkdir "$work/app"
(cd "$work/app" && "$jdk/bin/jar" xf "$jar" BOOT-INF/)
modules=$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps -q --multi-release 17 \
  "$work"/app/BOOT-INF/lib/*.jar "$work/app/BOOT-INF/classes")
echo "base-image: jlink $("$jdk/bin/java" -version 2>&1 | head -1) with $modules"

rootfs="$work/rootfs"
mkdir -p "$rootfs/opt/java" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
"$jdk/bin/jlink" --add-modules "$modules" --output "$rootfs/opt/java/openjdk" \
  --strip-debug --no-man-pages --no-header-files --compress=2

# Debian's libraries, at the versions this machine's package lists name.
mkdir "$work/debs"
chmod 755 "$work" && chmod 777 "$work/debs"   # apt downloads as its own user _apt
# A machine that never ran apt-get update has no package lists: read them once, then try again.
(cd "$work/debs" && { apt-get download -q "${debs[@]}" >/dev/null 2>&1 \
  || { apt-get update -qq && apt-get download -q "${debs[@]}" >/dev/null; }; })
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$rootfs"
done
rm -rf "$rootfs"/usr/share/doc "$rootfs"/usr/share/man "$rootfs"/usr/share/lintian "$rootfs"/usr/share/locale

# The runtime starts on these libraries alone.
if [ "$(id -u)" = 0 ]; then
  # ld.so resolves the launcher's $ORIGIN through /proc/self/exe: give the chroot its own /proc.
  mkdir "$rootfs/proc"
  version=$(unshare --mount --pid --fork --mount-proc="$rootfs/proc" chroot "$rootfs" /opt/java/openjdk/bin/java -version 2>&1) \
    || { echo "base-image: java does not start on the image's libraries: $version" >&2; exit 1; }
  echo "base-image: runs: $(head -1 <<<"$version")"
  rmdir "$rootfs/proc"
fi

# One layer, reproducible: sorted names, fixed times, owned by root.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)

# A Docker archive (what `docker save` writes): manifest.json, the image config, the layer.
mkdir "$work/image" "$work/image/$layer"
mv "$work/layer.tar" "$work/image/$layer/layer.tar"
cat > "$work/image/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin","JAVA_HOME=/opt/java/openjdk","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/base-image.sh: jlink $modules + ${debs[*]}"}]}
EOF
config=$(sha256sum "$work/image/config.json" | cut -d' ' -f1)
mv "$work/image/config.json" "$work/image/$config.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' "$config" "$tag" "$layer" \
  > "$work/image/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/image" -cf "$out" \
  manifest.json "$config.json" "$layer"
echo "base-image: $out $(du -m "$out" | cut -f1) MB"
