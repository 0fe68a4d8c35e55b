#!/bin/bash
# Run every tests/hwsim/t-*.sh; print "hwsim: N passed, M failed".
# HWSIM_TESTS="t-a.sh t-b.sh" runs a subset.  Exit 77 from a test = skipped.
cd "$(dirname "$0")" || exit 1
pass=0 fail=0 skip=0 failed=""
start=$(date +%s)
for t in ${HWSIM_TESTS:-t-*.sh}; do
	echo "--- $t"
	./"$t"
	rc=$?
	if [ $rc = 0 ]; then
		pass=$((pass + 1))
	elif [ $rc = 77 ]; then
		skip=$((skip + 1))
	else
		fail=$((fail + 1))
		failed="$failed $t"
	fi
done
echo "hwsim: took $(($(date +%s) - start)) s, $skip skipped${failed:+; failed:$failed}"
echo "hwsim: $pass passed, $fail failed"
[ $fail = 0 ]
