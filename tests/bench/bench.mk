# tests/bench/: `make bench-ntp`: bridged's NTP server vs Debian's chronyd
# and a bare recvmmsg/sendmmsg echo (docs/performance.md).  Not pass/fail.

NTP_BENCH_BINS = $(BUILD)/bench/ntpload $(BUILD)/bench/ntpecho

$(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(OUR_CFLAGS) -o $@ $< -lm

bench-ntp: build $(NTP_BENCH_BINS)
	@BUILD=$(BUILD) tests/bench/bench-ntp.sh

BENCH_TARGETS += bench-ntp
.PHONY: bench-ntp
