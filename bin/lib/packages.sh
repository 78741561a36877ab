# Sourced by bin/run-tests and bin/archipelago: installs the Debian packages that the tests and
# the benchmark need, when they are missing (apt-get update once, only if something is missing).

# The real OpenStack Swift clusters that the real-backend tests and bin/archipelago bench start on
# loopback (testing/swift/, driven by the archipelago-testing module), with memcached for
# TempAuth, and the swift CLI (python3-swiftclient) that the end-to-end tests use as a client.
SWIFT_PACKAGES=(python3-swiftclient swift swift-proxy swift-account swift-container swift-object memcached)
# Figure 4 of bin/archipelago bench: nginx (its DAV module is in Debian's nginx package) serves
# the gateway's stored data file with sendfile and stores a DAV PUT, on a loopback port with the
# bench's own config (the package's own service is never started by the bench); curl is the client
# of both sides.
BENCH_PACKAGES=(nginx curl)
# OpenStack Swift's own functional test suite, which http-api's SwiftFunctionalSuiteIT runs
# against a gateway: pytest and the libraries its tests import (the code under test is Debian's
# python3-swift), and dpkg-dev for apt-get source (swift_functests_install); its s3api tests
# (S3ApiFunctionalSuiteIT) import boto 2 (python3-boto) besides boto3.
SWIFT_FUNCTEST_PACKAGES=(python3-swift python3-swiftclient python3-pytest python3-mock python3-pytest-timeout dpkg-dev python3-boto)

# The S3 clients the S3 API's tests drive (the aws CLI, boto3, s3cmd).
S3_CLIENT_PACKAGES=(awscli python3-boto3 s3cmd)

# A real OpenStack Keystone for client identity: http-api's KeystoneAuthIT starts one on SQLite on
# loopback (testing's Keystone harness: keystone-manage, keystone-wsgi-public); the openstack CLI
# is there to inspect it by hand.
KEYSTONE_PACKAGES=(keystone python3-openstackclient)

# The headless browser of the console's browser tests (http-api's ConsoleIT drives it through
# Selenium WebDriver with /usr/bin/chromedriver; no Selenium Manager download).
CONSOLE_TEST_PACKAGES=(chromium chromium-driver)

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ $apt_updated -eq 0 ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  echo "$(basename "$0"): installing ${missing[*]}" >&2
  # Packages such as nginx, memcached or postgresql start their own service on install, some on
  # every interface (nginx: port 80). The tests and the bench start what they need themselves on
  # loopback, so no service may start: Debian's policy-rc.d answer 101 ("action forbidden") while
  # installing, unless the machine already has a policy (container images usually do).
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# archipelago: no service starts while test packages are installed\nexit 101\n' |
      $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    own_policy=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ $own_policy -eq 1 ] && $sudo rm -f "$policy"
  return $status
}

# swift_functests_install DIR: Swift's source (its test/functional) in DIR, e.g.
# ~/.cache/archipelago/swift-2.30.1, from Debian's source package (apt-get source swift, into DIR's
# parent), when it is not there yet. Adds a deb-src entry for bookworm main if apt has none.
swift_functests_install() {
  local dir="$1"
  [ -f "$dir/test/functional/__init__.py" ] && return 0
  apt_install dpkg-dev
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! grep -qsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources; then
    echo "$(basename "$0"): adding a deb-src entry for Debian bookworm main (apt-get source swift)" >&2
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
      $sudo tee /etc/apt/sources.list.d/archipelago-deb-src.sources >/dev/null
    $sudo apt-get update -qq
    apt_updated=1
  elif [ -z "$(apt-cache showsrc swift 2>/dev/null)" ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  local parent
  parent="$(dirname "$dir")"
  mkdir -p "$parent"
  echo "$(basename "$0"): fetching Swift's source (apt-get source swift) into $parent" >&2
  (cd "$parent" && apt-get source -qq swift >/dev/null)
  [ -f "$dir/test/functional/__init__.py" ] || {
    echo "$(basename "$0"): apt-get source swift did not give $dir/test/functional" >&2
    return 1
  }
}
