/*
 * bridgectl's text views of ntp/: serverstats and clients in the manner of
 * chronyc, and the NTP lines of `bridgectl status`.
 */
#include "ntp/ntp_view.h"

#include <json-c/json.h>

static const struct {
	const char *key;
	const char *label;
} stat_rows[] = {
	{ "ntp_packets_received", "NTP packets received" },
	{ "ntp_requests", "NTP client requests" },
	{ "ntp_responses", "NTP responses sent" },
	{ "ntp_interleaved_responses", "NTP interleaved responses" },
	{ "ntp_dropped_acl", "NTP dropped (allow/deny)" },
	{ "ntp_dropped_ratelimit", "NTP dropped (rate limit)" },
	{ "ntp_kod_sent", "NTP KoD RATE sent" },
	{ "ntp_dropped_invalid", "NTP dropped (malformed)" },
	{ "ntp_dropped_mode", "NTP dropped (not a request)" },
	{ "ntp_dropped_unsynced", "NTP dropped (unsynchronised)" },
	{ "ntp_dropped_broadcast", "NTP dropped (broadcast)" },
	{ "ntp_dropped_late", "NTP dropped (waited too long)" },
	{ "ntp_dropped_ceiling", "NTP dropped (response ceiling)" },
	{ "ntp_send_errors", "NTP send errors" },
	{ "ntp_hw_rx_timestamps", "NTP hardware RX timestamps" },
	{ "ntp_kernel_rx_timestamps", "NTP kernel RX timestamps" },
	{ "ntp_daemon_rx_timestamps", "NTP daemon RX timestamps" },
	{ "ntp_hw_tx_timestamps", "NTP hardware TX timestamps" },
	{ "ntp_kernel_tx_timestamps", "NTP kernel TX timestamps" },
	{ "ntp_tx_timestamps_unmatched", "NTP TX timestamps unmatched" },
	{ "ntp_bytes_received", "NTP bytes received" },
	{ "ntp_bytes_sent", "NTP bytes sent" },
	{ "clientlog_records", "Client log records" },
	{ "clientlog_capacity", "Client log capacity" },
	{ "clientlog_evictions", "Client log evictions" },
	{ "clientlog_bytes", "Client log memory (bytes)" },
	{ "clientlog_bytes_per_record", "Client log bytes per record" },
};

static void ntp_view_serverstats(struct json_object *data, FILE *out, const struct view_opts *o)
{
	for (size_t i = 0; i < sizeof(stat_rows) / sizeof(stat_rows[0]); i++)
		fprintf(out, "%-31s: %.0f\n", stat_rows[i].label,
			view_num(data, stat_rows[i].key, 0));
	fprintf(out, "%-31s: %s\n", "Timestamping", view_str(data, "timestamping", "?"));
	fprintf(out, "%-31s: %.0f\n", "Workers", view_num(data, "workers", 1));
	if (view_num(data, "ntp_tx_prediction_samples", 0) > 0)
		fprintf(out, "%-31s: %+.0f ns, |%.0f| ns (%.0f TX stamps)\n", "TX prediction residual",
			view_num(data, "ntp_tx_prediction_residual_ns", 0),
			view_num(data, "ntp_tx_prediction_abs_residual_ns", 0),
			view_num(data, "ntp_tx_prediction_samples", 0));
	if (!view_has(data, "phc_b_error_ns"))
		return;
	fprintf(out, "%-31s: %.1f ns (%.0f samples, %.0f restarts)\n", "NIC B clock to system error",
		view_num(data, "phc_b_error_ns", 0), view_num(data, "phc_b_samples", 0),
		view_num(data, "phc_b_restarts", 0));
	fprintf(out, "%-31s: %+.3f ppm\n", "NIC B clock to system rate",
		view_num(data, "phc_b_freq_ppm", 0));
	if (view_num(data, "link_mbps", -1) > 0)
		fprintf(out, "%-31s: +%.1f ns (%.0f Mb/s)\n", "RX stamp to end of frame",
			view_num(data, "rx_frame_ns", 0), view_num(data, "link_mbps", 0));
	else
		fprintf(out, "%-31s: none (link speed unknown)\n", "RX stamp to end of frame");
}

static void ntp_view_clients(struct json_object *data, FILE *out, const struct view_opts *o)
{
	struct json_object *arr;
	size_t i, n;

	fprintf(out, "%-39s %10s %8s %10s %7s\n", "Address", "NTP", "Drop", "Xleave", "Last");
	fprintf(out, "=============================================================================\n");
	if (!(arr = view_array(data, "clients")))
		return;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);
		double last = view_num(c, "last_s", 0);

		fprintf(out, "%-39.39s %10.0f %8.0f %10.0f %6.0f%s\n", view_str(c, "address", "?"),
			view_num(c, "ntp_hits", 0), view_num(c, "ntp_drops", 0),
			view_num(c, "ntp_interleaved", 0), last < 1e5 ? last : 99999, "s");
	}
}

static void ntp_view_status(struct json_object *d, FILE *out, const struct view_opts *o)
{
	if (!view_has(d, "modules.ntp.answering"))
		return;
	fprintf(out, "NTP server  : %s, %.1f req/s, %.0f clients, %.0f%% interleaved\n",
		view_str(d, "modules.ntp.answering", "?"),
		view_num(d, "modules.ntp.requests_per_s", 0),
		view_num(d, "modules.ntp.clients", 0),
		100.0 * view_num(d, "modules.ntp.interleaved_share", 0));
	fprintf(out, "NTP stamps  : %.65s\n", view_str(d, "modules.ntp.timestamping", "?"));
	fprintf(out, "NTP drops   : %.0f not answered, %.0f client log evictions\n",
		view_num(d, "modules.ntp.dropped", 0),
		view_num(d, "modules.ntp.clientlog_evictions", 0));
}

const struct view_entry ntp_views[] = {
	{ "serverstats", ntp_view_serverstats },
	{ "clients", ntp_view_clients },
	{ "status", ntp_view_status },
	{ NULL, NULL },
};
