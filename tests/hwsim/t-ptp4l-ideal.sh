#!/bin/sh
exec "$(dirname "$0")/ptp4l-pair.sh" ideal
