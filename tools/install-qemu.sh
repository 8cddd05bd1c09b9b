#!/usr/bin/env bash
# Installs a QEMU >= 10.1 (vfio-user-pci client, qtest accelerator) for vtdsim's `qemu` backend.
#
# Debian 12 ships QEMU 7.2, which has no vfio-user client. This script builds a minimal Debian
# trixie tree with mmdebstrap, installs qemu-system-x86 from trixie-backports into it (QEMU 11.x),
# trims it, and writes a launcher that runs that QEMU through the tree's own dynamic loader, so no
# chroot is needed at run time and socket paths are the host's.
#
#   sudo tools/install-qemu.sh          # prints the launcher's path as its last line
#
# Idempotent: an existing, working install is reused. The host's apt sources are not changed
# (the host gets only the mmdebstrap package; the mirror is read from its sources, by name).
# Location: ${VTDSIM_QEMU_HOME:-$HOME/.cache/vtdsim/qemu}. The backend finds it there, or through
# VTDSIM_QEMU=<launcher>, or on the PATH.
set -euo pipefail

home="${VTDSIM_QEMU_HOME:-$HOME/.cache/vtdsim/qemu}"
root="$home/root"
launcher="$home/bin/qemu-system-x86_64"

log() { echo "install-qemu: $*" >&2; }

verify() {
  local qemu="$1" devices accels
  devices=$("$qemu" -nodefaults -machine none -device help 2>&1) || return 1
  grep -q '"vfio-user-pci"' <<<"$devices" || { log "$qemu has no vfio-user-pci device"; return 1; }
  grep -q '"intel-iommu"' <<<"$devices" || { log "$qemu has no intel-iommu device"; return 1; }
  accels=$(find "$root" -name 'accel-qtest*.so' 2>/dev/null | head -n 1)
  [ -n "$accels" ] || { log "no accel-qtest module in $root"; return 1; }
  "$qemu" --version | head -n 1 >&2
}

if [ -x "$launcher" ] && verify "$launcher"; then
  log "reusing $home"
  echo "$launcher"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { log "run as root (mmdebstrap and apt need it)"; exit 1; }

if ! command -v mmdebstrap >/dev/null 2>&1; then
  log "installing mmdebstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >&2; }
fi

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

work="$home.partial"
rm -rf "$work"
mkdir -p "$(dirname "$home")"
log "building a trixie tree from $mirror (about 3 minutes)"
mmdebstrap --variant=apt --quiet trixie "$work" \
  "deb $mirror trixie main" "deb $mirror trixie-backports main" >&2
chroot "$work" apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive chroot "$work" apt-get install -y -q --no-install-recommends \
  -t trixie-backports qemu-system-x86 >&2
chroot "$work" apt-get clean
rm -rf "$work"/var/lib/apt/lists/* "$work"/usr/share/doc/* "$work"/usr/share/man/* "$work"/usr/share/locale/*

rm -rf "$home"
mkdir -p "$home/bin"
mv "$work" "$root"
lib="$root/usr/lib/x86_64-linux-gnu"
cat >"$launcher" <<EOF
#!/bin/sh
# vtdsim's QEMU launcher (written by tools/install-qemu.sh): runs the trixie tree's QEMU through
# the tree's own loader; exec keeps this process's PID as QEMU's.
R='$root'
QEMU_MODULE_DIR="\$R/usr/lib/x86_64-linux-gnu/qemu" exec "\$R/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \\
  --library-path "\$R/usr/lib/x86_64-linux-gnu:\$R/lib/x86_64-linux-gnu" \\
  "\$R/usr/bin/qemu-system-x86_64" -L "\$R/usr/share/seabios" -L "\$R/usr/share/qemu" "\$@"
EOF
chmod +x "$launcher"
[ -e "$lib/ld-linux-x86-64.so.2" ] || { log "loader missing in $lib"; exit 1; }
verify "$launcher" || { log "the installed QEMU failed verification"; exit 1; }
log "installed in $home ($(du -sh "$home" | cut -f1))"
echo "$launcher"
