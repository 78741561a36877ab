#!/usr/bin/python3
"""Starts one Swift daemon of a test cluster with the cluster's own swift.conf.

Swift reads swift.conf (hash prefix/suffix, constraints, storage policies) from the fixed path
/etc/swift/swift.conf. Several clusters on one machine need their own, so this launcher points
Swift at the cluster's directory before the daemon starts, then runs the daemon in the
foreground exactly as /usr/bin/swift-*-server would.

usage: launch.py <swift-dir> <server-conf> <proxy-server|account-server|container-server|object-server>
Run it with Debian's /usr/bin/python3 (the one that has the swift modules).
"""
import sys

from swift.common import constraints, storage_policy, utils
from swift.common.wsgi import run_wsgi


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    swift_dir, conf_file, server = argv[1], argv[2], argv[3]
    utils.set_swift_dir(swift_dir)
    constraints.reload_constraints()
    storage_policy.reload_storage_policies()
    return run_wsgi(conf_file, server, verbose=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
