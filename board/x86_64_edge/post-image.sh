#!/bin/sh
# x86_64_edge: runs after the disk image is made ($1 = output/images).
set -eu
images=$1
echo "x86_64_edge: write $images/ptpbridge-x86_64_edge.img to the box's disk," \
	"see README (Flashing a box)"
