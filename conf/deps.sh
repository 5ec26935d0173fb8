#!/bin/sh
# Check for the tools that build, run, debug and grade Chitin, and install
# the missing ones from Debian's packages (Debian 12 names).
#
# Quick when everything is present: only looks at the PATH and a few files.
# As root it runs apt-get install (and apt-get update first only when the
# package lists are empty, or once more when the install fails). As anyone
# else it prints the command to run with sudo and exits 1.
#
# POSIX sh on purpose: it runs before anything else is installed (a fresh
# Debian has no python3 and no sudo).

# need WHAT PACKAGES: WHAT is a command on the PATH, or an absolute file path
need() {
	case $1 in
	/*)	[ -e "$1" ] && return 0 ;;
	*)	command -v "$1" >/dev/null 2>&1 && return 0 ;;
	esac
	missing_cmds="$missing_cmds ${1##*/}"
	shift
	for p in "$@"; do
		case " $pkgs " in
		*" $p "*) ;;
		*) pkgs="$pkgs $p" ;;
		esac
	done
}

# check_all: set missing_cmds and pkgs to what is absent
check_all() {
	missing_cmds=
	pkgs=
	need gcc build-essential
	need ld build-essential
	need make build-essential
	need objcopy build-essential
	need qemu-system-x86_64 qemu-system-x86
	need qemu-img qemu-utils
	# bochs needs a display plugin package (bochs-gui); bochs-term is the light
	# one, where apt would otherwise pick bochs-wx and its GUI toolkit.
	need bochs bochs bochs-term
	need /usr/share/bochs/BIOS-bochs-latest bochsbios
	need /usr/share/vgabios/vgabios.bin vgabios
	need gdb gdb
	need python3 python3
	# network tests: namespaces, veth and tap devices (ip), and the
	# Linux peer's tools
	need ip iproute2
	# make bench: the HTTP load generator run against httpd (and by
	# ../shared/linuxref against busybox httpd)
	need wrk wrk
	pkgs=${pkgs# }
}

check_all
if [ -z "$pkgs" ]; then
	echo "deps: all present (gcc, qemu, bochs, gdb, python3)"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing:$missing_cmds; install them (Debian packages: $pkgs)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing:$missing_cmds; run: sudo apt-get install -y --no-install-recommends $pkgs" >&2
	exit 1
fi

echo "deps: installing $pkgs (apt-get, for:$missing_cmds)"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
	apt-get install -y -q --no-install-recommends "$@" >/tmp/chitin-deps.log 2>&1
}
# Fresh images often ship without package lists: fetch them only then.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
	apt-get update -q >/tmp/chitin-deps.log 2>&1
fi
# shellcheck disable=SC2086
if ! apt_install $pkgs; then
	apt-get update -q >/tmp/chitin-deps.log 2>&1
	# shellcheck disable=SC2086
	if ! apt_install $pkgs; then
		tail -n 20 /tmp/chitin-deps.log >&2
		echo "deps: apt-get install failed (log: /tmp/chitin-deps.log)" >&2
		exit 1
	fi
fi
check_all
if [ -n "$pkgs" ]; then
	echo "deps: still missing after apt-get:$missing_cmds" >&2
	exit 1
fi
