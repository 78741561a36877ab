#!/usr/bin/python3
"""Builds the account, container and object rings of a one-device test cluster.

usage: make_rings.py <swift-dir> <account-port> <container-port> <object-port>

Each ring has part power 6 (instant to build), one replica and one device "d1" on 127.0.0.1;
the rings and their builder files go into <swift-dir>. Same result as swift-ring-builder
create/add/rebalance, in one process.
"""
import os
import sys

from swift.common.ring import RingBuilder


def build(swift_dir, name, port):
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port,
                     'device': 'd1', 'weight': 100, 'meta': ''})
    builder.rebalance()
    builder.get_ring().save(os.path.join(swift_dir, name + '.ring.gz'))
    builder.save(os.path.join(swift_dir, name + '.builder'))


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    swift_dir = argv[1]
    for name, port in zip(('account', 'container', 'object'), argv[2:5]):
        build(swift_dir, name, int(port))


if __name__ == '__main__':
    main(sys.argv)
