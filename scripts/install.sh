#!/usr/bin/env bash
# install.sh (`./jvs install`, `./jvs uninstall`) -- puts jvs on this host as a systemd service, or takes it off.
#   jvs install   [--root DIR] [--prefix /opt/jvs]          builds if needed, then lays out:
#       PREFIX/jvs, PREFIX/lib/*.jar, PREFIX/scripts/install.sh, PREFIX/README.md, PREFIX/jvs.service (reference)
#       /etc/systemd/system/jvs.service (PREFIX and the JDK found now written in), /var/lib/jvs (0700, the db)
#   jvs uninstall [--root DIR] [--prefix /opt/jvs] [--purge]   stops and disables the service, removes the files;
#       the db in /var/lib/jvs stays unless --purge
# --root DIR installs under DIR (DESTDIR-style, for packaging and tests): no systemctl is run then.
# The rundir /run/jvs is the service's RuntimeDirectory: systemd makes it at start.
# Upgrade: systemctl stop jvs; ./jvs install; systemctl start jvs. PREFIX is replaced by a rename, so even a
# daemon that is still running keeps its (old) files open until it stops.
set -euo pipefail
SRC="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
action="${1:-}"; shift || true
DESTROOT=""
PREFIX=/opt/jvs
PURGE=0
usage() { echo "usage: jvs install [--root DIR] [--prefix DIR] | jvs uninstall [--root DIR] [--prefix DIR] [--purge]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage; DESTROOT="$(readlink -m "$2")"; shift 2 ;;
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --purge) PURGE=1; shift ;;
    *) echo "jvs $action: unknown option $1" >&2; usage ;;
  esac
done
case "$PREFIX" in
  /*/*|/[!/]*) ;;
  *) echo "jvs $action: --prefix $PREFIX must be an absolute directory other than /" >&2; exit 2 ;;
esac
PREFIX="$(readlink -m "$PREFIX")"
[ "$PREFIX" != / ] || { echo "jvs $action: --prefix / refused" >&2; exit 2; }
[ "$DESTROOT" != / ] || DESTROOT=""
DEST="$DESTROOT$PREFIX"
UNIT="$DESTROOT/etc/systemd/system/jvs.service"
STATE="$DESTROOT/var/lib/jvs"
MARK=".jvs-installed" # only a directory holding this is ever removed
# systemctl only for the real root, and only where systemd runs (not in a container started otherwise).
systemd_here() { [ -z "$DESTROOT" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }
need_root() { [ -n "$DESTROOT" ] || [ "$(id -u)" = 0 ] || { echo "jvs $action: needs root (or --root DIR)" >&2; exit 1; }; }

case "$action" in
  install)
    need_root
    [ -f "$SRC/pom.xml" ] || { echo "jvs install: run it from a source checkout (this is an installed copy: $SRC)" >&2; exit 2; }
    JAR="$SRC/datapath/target/jvs-datapath.jar"
    [ -f "$JAR" ] || { echo "jvs install: $JAR missing after the build" >&2; exit 1; }
    mkdir -p "$(dirname "$DEST")"
    NEW="$DEST.new.$$"
    rm -rf "$NEW"
    trap 'rm -rf "$NEW"' EXIT
    install -d -m 0755 "$NEW" "$NEW/lib" "$NEW/scripts"
    install -m 0755 "$SRC/jvs" "$NEW/jvs"
    install -m 0755 "$SRC/scripts/install.sh" "$NEW/scripts/install.sh"
    install -m 0644 "$JAR" "$NEW/lib/jvs-datapath.jar"
    install -m 0644 "$SRC"/datapath/target/lib/*.jar "$NEW/lib/"
    install -m 0644 "$SRC/README.md" "$NEW/README.md"
    install -m 0644 "$SRC/packaging/jvs.service" "$NEW/jvs.service"
    : >"$NEW/$MARK"
    # Swap by rename: a running daemon keeps the old files it has open, the next start takes the new ones.
    if [ -e "$DEST" ]; then
      [ -f "$DEST/$MARK" ] || { echo "jvs install: $DEST exists and is not a jvs installation; refusing to replace it" >&2; exit 1; }
      rm -rf "$DEST.old.$$"
      mv "$DEST" "$DEST.old.$$"
      mv "$NEW" "$DEST"
      rm -rf "$DEST.old.$$"
    else
      mv "$NEW" "$DEST"
    fi
    trap - EXIT
    install -d -m 0755 "$(dirname "$UNIT")"
    sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@JAVA_HOME@|${JAVA_HOME:?the launcher sets JAVA_HOME}|g" \
      "$SRC/packaging/jvs.service" >"$UNIT.tmp"
    chmod 0644 "$UNIT.tmp"
    mv "$UNIT.tmp" "$UNIT"
    install -d -m 0700 "$STATE"
    echo "jvs: installed in $DEST, unit $UNIT, db directory $STATE"
    if systemd_here; then
      systemctl daemon-reload
      if systemctl is-active --quiet jvs; then
        echo "jvs: the running jvs.service still runs the previous version: systemctl restart jvs"
      else
        echo "jvs: start it with: systemctl enable --now jvs"
      fi
    elif [ -z "$DESTROOT" ]; then
      echo "jvs: systemd does not run here: start the daemon with $PREFIX/jvs daemon"
    fi
    ;;
  uninstall)
    need_root
    if systemd_here; then
      systemctl disable --now jvs 2>/dev/null || true
    fi
    if [ -e "$DEST" ] && [ ! -f "$DEST/$MARK" ]; then
      echo "jvs uninstall: $DEST is not a jvs installation (no $MARK); leaving it" >&2; exit 1
    fi
    rm -rf "$DEST"
    rm -f "$UNIT"
    if systemd_here; then
      systemctl daemon-reload
    fi
    if [ "$PURGE" = 1 ]; then
      rm -rf "$STATE"
      echo "jvs: removed $DEST, $UNIT and the db directory $STATE"
    else
      echo "jvs: removed $DEST and $UNIT; the db stays in $STATE (--purge removes it)"
    fi
    echo "jvs: internal ports' TAPs persist after the daemon; delete them with ip link del, or del-br before uninstalling"
    ;;
  *) usage ;;
esac
