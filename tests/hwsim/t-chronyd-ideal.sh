#!/bin/sh
exec "$(dirname "$0")/t-chronyd.sh" ideal
