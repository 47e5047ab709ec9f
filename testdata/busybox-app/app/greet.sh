#!/bin/sh
. /opt/util.sh
say "$GREETING as $(id -un) in $(pwd)"
