# Sourced by bin/run-tests and bin/archipelago: installs the Debian packages that the tests and
# the benchmark need, when they are missing (apt-get update once, only if something is missing).

# The real OpenStack Swift clusters that the real-backend tests and bin/archipelago bench start on
# loopback (testing/swift/, driven by the archipelago-testing module), with memcached for
# TempAuth, and the swift CLI (python3-swiftclient) that the end-to-end tests use as a client.
SWIFT_PACKAGES=(python3-swiftclient swift swift-proxy swift-account swift-container swift-object memcached)

# The S3 clients the S3 API's tests drive (the aws CLI, boto3, s3cmd).
S3_CLIENT_PACKAGES=(awscli python3-boto3 s3cmd)

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
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
