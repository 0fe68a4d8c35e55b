/*
 * ntp/'s entry: the module's ops for bridged (start, reload, stop), the
 * `local` reference, control commands, status section and metrics.  The
 * server itself is ntp_server.c.
 */
#include "ntp/ntp.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>
#include <time.h>

#include "bridge/core/ctl.h"
#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "bridge/core/metric.h"
#include "bridge/core/ref_state.h"
#include "ntp/ntp_clientlog.h"
#include "ntp/ntp_core.h"
#include "ntp/ntp_packet.h"
#include "ntp/ntp_server.h"
#include "phc/phc_addr.h"
#include "phc/phc_addr_watch.h"

/* How often the `local` reference is refreshed (ns). */
#define LOCAL_PERIOD_NS		1000000000ull
#define RATE_PERIOD_S		10

static struct {
	int local_stratum;
	bool serve_unsynced;
	uint64_t local_gen;		/* generation of our last publish */
	bool local_active;
	struct loop_timer *timer;
	/* request rate for status */
	uint64_t rate_last_requests;
	uint64_t rate_last_ns;
	double rate;
	/* bind addresses as they come and go on the ntp interface */
	struct phc_addr_watch *addr_watch;
	char ifname[32];
	struct conf_addr bind[CONF_MAX_BINDADDR];
	int bind_state[CONF_MAX_BINDADDR];
	int n_bind;
} ntp;

static const char *const addr_state_name[] = {
	[PHC_ADDR_ABSENT] = "absent",
	[PHC_ADDR_TENTATIVE] = "tentative",
	[PHC_ADDR_PRESENT] = "present",
};

/* ---- `local`: chrony's `local stratum N` -------------------------------- */

static void local_publish(void)
{
	struct ref_snapshot s, back;

	struct timespec now;

	memset(&s, 0, sizeof(s));
	clock_gettime(CLOCK_REALTIME, &now);
	ntp_core_local_snapshot(&s, ntp.local_stratum, &now);
	ref_state_read(&back);
	s.utc_offset = back.utc_offset;
	ref_state_publish(&s);
	ref_state_read(&back);
	ntp.local_gen = back.generation;
	if (!ntp.local_active)
		log_info("ntp: no reference published: serving the system clock as stratum %d (local_stratum)",
			 ntp.local_stratum);
	ntp.local_active = true;
}

/* The hot path serves `local` by itself whenever the published reference
   is unsynchronised (ntp_server.c), so it never races another writer.  We
   also publish the local snapshot for status and the other readers, but
   only while nobody else has ever published one. */
static void local_tick(void *arg)
{
	struct ref_snapshot s;

	if (ntp.local_stratum <= 0) {
		ntp.local_active = false;
		return;
	}
	ref_state_read(&s);
	if (s.generation == 0 || s.generation == ntp.local_gen) {
		local_publish();
		return;
	}
	if ((s.sync == REF_UNSYNCED) != ntp.local_active)
		log_info(s.sync == REF_UNSYNCED ?
			 "ntp: reference unsynchronised: serving the system clock as stratum %d (local_stratum)" :
			 "ntp: reference synchronised: local_stratum %d steps aside", ntp.local_stratum);
	ntp.local_active = s.sync == REF_UNSYNCED;
}

static void rate_tick(void)
{
	struct ntp_stats st;
	uint64_t now = loop_now_ns();

	ntp_server_stats(&st);
	if (ntp.rate_last_ns && now > ntp.rate_last_ns)
		ntp.rate = (double)(st.requests - ntp.rate_last_requests) * 1e9 /
			   (double)(now - ntp.rate_last_ns);
	ntp.rate_last_ns = now;
	ntp.rate_last_requests = st.requests;
}

static void timer_cb(void *arg)
{
	static unsigned int ticks;

	local_tick(arg);
	if (ticks++ % RATE_PERIOD_S == 0)
		rate_tick();
}

/* ---- bind addresses that come and go ------------------------------------ */

/* The sockets stay bound (IP_FREEBIND): say what changed and what it
   means for clients. */
static void addrs_changed(void *arg)
{
	char text[INET6_ADDRSTRLEN];

	(void)arg;
	for (int i = 0; i < ntp.n_bind; i++) {
		int st = phc_addr_watch_has(ntp.addr_watch, &ntp.bind[i]);

		if (st == ntp.bind_state[i])
			continue;
		conf_addr_str(&ntp.bind[i], text, sizeof(text));
		if (st == PHC_ADDR_PRESENT)
			log_info("ntp: bindaddress %s is on %s: serving it", text, ntp.ifname);
		else
			log_warn("ntp: bindaddress %s is %s on %s: requests to it are not received until it is usable",
				 text, st == PHC_ADDR_TENTATIVE ? "tentative (duplicate-address detection)" :
				 "not", ntp.ifname);
		ntp.bind_state[i] = st;
	}
}

static void addrs_follow(const struct bridge_conf *c)
{
	ntp.n_bind = c->ntp.interface[0] ? c->ntp.n_bindaddress : 0;
	if (!ntp.n_bind)
		return;
	snprintf(ntp.ifname, sizeof(ntp.ifname), "%s", c->ntp.interface);
	memcpy(ntp.bind, c->ntp.bindaddress, sizeof(ntp.bind));
	for (int i = 0; i < ntp.n_bind; i++)
		ntp.bind_state[i] = PHC_ADDR_PRESENT;	/* say only what is missing */
	ntp.addr_watch = phc_addr_watch_start(ntp.ifname, addrs_changed, NULL);
	if (ntp.addr_watch)
		addrs_changed(NULL);
	else
		ntp.n_bind = 0;
}

static void addrs_status(struct json_object *sec, struct json_object *warnings)
{
	struct json_object *arr = json_object_new_array();
	char text[INET6_ADDRSTRLEN], buf[160];

	for (int i = 0; i < ntp.n_bind; i++) {
		struct json_object *o = json_object_new_object();

		conf_addr_str(&ntp.bind[i], text, sizeof(text));
		json_object_object_add(o, "address", json_object_new_string(text));
		json_object_object_add(o, "state",
				       json_object_new_string(addr_state_name[ntp.bind_state[i]]));
		json_object_array_add(arr, o);
		if (ntp.bind_state[i] == PHC_ADDR_PRESENT)
			continue;
		snprintf(buf, sizeof(buf), "bindaddress %s is %s on %s: its requests are not received",
			 text, ntp.bind_state[i] == PHC_ADDR_TENTATIVE ? "tentative" : "not", ntp.ifname);
		json_object_array_add(warnings, json_object_new_string(buf));
	}
	json_object_object_add(sec, "bindaddresses", arr);
}

/* ---- control ----------------------------------------------------------- */

#define ADD_U64(o, k, v) json_object_object_add(o, k, json_object_new_int64((int64_t)(v)))

static void fill_serverstats(struct json_object *d)
{
	struct ntp_stats st;
	struct ntp_clientlog_stats cs;
	struct ntp_hwclock hc;

	ntp_server_stats(&st);
	ntp_server_clientlog_stats(&cs);
	ADD_U64(d, "ntp_packets_received", st.rx_packets);
	ADD_U64(d, "ntp_bytes_received", st.rx_bytes);
	ADD_U64(d, "ntp_requests", st.requests);
	ADD_U64(d, "ntp_responses", st.responses);
	ADD_U64(d, "ntp_bytes_sent", st.tx_bytes);
	ADD_U64(d, "ntp_interleaved_responses", st.interleaved);
	ADD_U64(d, "ntp_dropped_invalid", st.dropped_invalid);
	ADD_U64(d, "ntp_dropped_mode", st.dropped_mode);
	ADD_U64(d, "ntp_dropped_acl", st.dropped_acl);
	ADD_U64(d, "ntp_dropped_ratelimit", st.dropped_ratelimit);
	ADD_U64(d, "ntp_kod_sent", st.kod_sent);
	ADD_U64(d, "ntp_dropped_unsynced", st.dropped_unsynced);
	ADD_U64(d, "ntp_dropped_broadcast", st.dropped_broadcast);
	ADD_U64(d, "ntp_dropped_late", st.dropped_late);
	ADD_U64(d, "ntp_dropped_ceiling", st.dropped_ceiling);
	ADD_U64(d, "ntp_send_errors", st.send_errors);
	ADD_U64(d, "ntp_hw_rx_timestamps", st.rx_ts_hw);
	ADD_U64(d, "ntp_kernel_rx_timestamps", st.rx_ts_sw);
	ADD_U64(d, "ntp_daemon_rx_timestamps", st.rx_ts_daemon);
	ADD_U64(d, "ntp_hw_tx_timestamps", st.tx_ts_hw);
	ADD_U64(d, "ntp_kernel_tx_timestamps", st.tx_ts_sw);
	ADD_U64(d, "ntp_tx_timestamps_requested", st.tx_ts_requested);
	ADD_U64(d, "ntp_tx_timestamps_unmatched", st.tx_ts_unmatched);
	/* how far basic replies' transmit predictions were from the kernel's
	   stamps, where the kernel gave one (interleaved clients) */
	ADD_U64(d, "ntp_tx_prediction_samples", st.tx_pred_samples);
	json_object_object_add(d, "ntp_tx_prediction_residual_ns", json_object_new_double(
		st.tx_pred_samples ? (double)(int64_t)st.tx_pred_resid_ns / st.tx_pred_samples : 0.0));
	json_object_object_add(d, "ntp_tx_prediction_abs_residual_ns", json_object_new_double(
		st.tx_pred_samples ? (double)st.tx_pred_abs_resid_ns / st.tx_pred_samples : 0.0));
	ADD_U64(d, "clientlog_records", cs.records);
	ADD_U64(d, "clientlog_capacity", cs.capacity);
	ADD_U64(d, "clientlog_evictions", cs.evictions);
	ADD_U64(d, "clientlog_bytes", cs.bytes);
	ADD_U64(d, "clientlog_bytes_per_record", ntp_clientlog_bytes_per_record());
	json_object_object_add(d, "timestamping", json_object_new_string(ntp_server_ts_mode()));
	json_object_object_add(d, "workers", json_object_new_int(ntp_server_workers()));
	ntp_server_hwclock(&hc);
	if (hc.on) {
		json_object_object_add(d, "phc_b_error_ns", json_object_new_double(hc.err_ns));
		json_object_object_add(d, "phc_b_freq_ppm", json_object_new_double(hc.freq_ppm));
		json_object_object_add(d, "phc_b_samples", json_object_new_int(hc.samples));
		ADD_U64(d, "phc_b_restarts", hc.restarts);
		json_object_object_add(d, "link_mbps", json_object_new_int(hc.link_mbps));
		json_object_object_add(d, "rx_frame_ns", json_object_new_double(hc.rx_frame_ns));
	}
}

static int ntp_cmd_serverstats(struct json_object *req, struct json_object *data, char *err,
			   size_t errlen)
{
	if (!ntp_server_running()) {
		snprintf(err, errlen, "the NTP server is not running");
		return -1;
	}
	fill_serverstats(data);
	return 0;
}

static int ntp_cmd_clients(struct json_object *req, struct json_object *data, char *err,
		       size_t errlen)
{
	static struct ntp_client_row rows[256];
	struct json_object *args, *arr;
	int max = 32, n, i;

	if (!ntp_server_running()) {
		snprintf(err, errlen, "the NTP server is not running");
		return -1;
	}
	if (json_object_object_get_ex(req, "args", &args) &&
	    json_object_is_type(args, json_type_array) && json_object_array_length(args) > 0) {
		int v = atoi(json_object_get_string(json_object_array_get_idx(args, 0)));

		if (v < 1 || v > 256) {
			snprintf(err, errlen, "clients [N]: N from 1 to 256");
			return -1;
		}
		max = v;
	}
	n = ntp_server_clients(rows, max);
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "address", json_object_new_string(rows[i].addr));
		ADD_U64(o, "ntp_hits", rows[i].hits);
		ADD_U64(o, "ntp_interleaved", rows[i].xleave_hits);
		ADD_U64(o, "ntp_drops", rows[i].drops);
		json_object_object_add(o, "last_s", json_object_new_double(rows[i].last_ago));
		json_object_object_add(o, "worker", json_object_new_int(rows[i].worker));
		json_object_array_add(arr, o);
	}
	json_object_object_add(data, "clients", arr);
	{
		struct ntp_clientlog_stats cs;

		ntp_server_clientlog_stats(&cs);
		ADD_U64(data, "records", cs.records);
	}
	return 0;
}

static void ntp_status(struct json_object *sec)
{
	struct ntp_stats st;
	struct ntp_clientlog_stats cs;

	if (!ntp_server_running()) {
		json_object_object_add(sec, "state", json_object_new_string("stopped"));
		return;
	}
	ntp_server_stats(&st);
	ntp_server_clientlog_stats(&cs);
	json_object_object_add(sec, "state", json_object_new_string("serving"));
	json_object_object_add(sec, "requests_per_s", json_object_new_double(ntp.rate));
	ADD_U64(sec, "clients", cs.records);
	json_object_object_add(sec, "interleaved_share",
			       json_object_new_double(st.responses ?
						      (double)st.interleaved / st.responses : 0.0));
	ADD_U64(sec, "dropped", st.dropped_acl + st.dropped_ratelimit + st.dropped_invalid +
				st.dropped_mode + st.dropped_unsynced + st.dropped_broadcast +
				st.dropped_late + st.dropped_ceiling);
	ADD_U64(sec, "clientlog_evictions", cs.evictions);
	json_object_object_add(sec, "timestamping", json_object_new_string(ntp_server_ts_mode()));
	json_object_object_add(sec, "local_reference", json_object_new_boolean(ntp.local_active));

	/* What clients get now, in the operator's words. */
	struct json_object *w = json_object_new_array();
	struct ref_snapshot rs;
	char buf[128];
	const char *answer;

	ref_state_read(&rs);
	if (ntp.local_active) {
		answer = "local";
		snprintf(buf, sizeof(buf), "serving the local system clock at stratum %d (local_stratum), not PTP time",
			 ntp.local_stratum);
		json_object_array_add(w, json_object_new_string(buf));
	} else if (rs.sync == REF_UNSYNCED) {
		bool ever = rs.ref_time.tv_sec || rs.ref_time.tv_nsec;

		answer = ever || ntp.serve_unsynced ? "unsynchronised" : "silent";
		json_object_array_add(w, json_object_new_string(ever || ntp.serve_unsynced ?
			"answering with leap 3 (unsynchronised): clients will not use this server" :
			"not answering before the first lock (serve_unsynced = no)"));
	} else {
		answer = ref_state_sync_name(rs.sync);
	}
	json_object_object_add(sec, "answering", json_object_new_string(answer));
	addrs_status(sec, w);
	json_object_object_add(sec, "warnings", w);

	/* What a response carries now, as the hot path builds it: with
	   `local` it is not what the reference state says. */
	{
		struct json_object *sv = json_object_new_object();
		struct ntp_core_ref r;
		struct timespec now;
		char refid[5];

		clock_gettime(CLOCK_REALTIME, &now);
		ntp_core_ref_set(&r, &rs, &now, ntp.local_stratum, 0.0, 0);
		for (int i = 0; i < 4; i++) {
			char ch = (char)(r.refid >> (24 - 8 * i));

			refid[i] = ch >= 0x20 && ch < 0x7f ? ch : ' ';
		}
		refid[4] = '\0';
		json_object_object_add(sv, "stratum", json_object_new_int(r.stratum));
		json_object_object_add(sv, "leap", json_object_new_int(r.leap));
		json_object_object_add(sv, "refid", json_object_new_string(refid));
		json_object_object_add(sec, "served", sv);
	}
}

static void ntp_metrics(FILE *fp)
{
	struct ntp_stats st;
	struct ntp_clientlog_stats cs;

	if (!ntp_server_running())
		return;
	ntp_server_stats(&st);
	ntp_server_clientlog_stats(&cs);
#define M(name, type, help, val) \
	metric_line(fp, "ptpbridge_serverstats_" name, type, help, "%llu", \
		    (unsigned long long)(val))
	M("ntp_packets_received_total", "counter", "NTP packets received.", st.rx_packets);
	M("ntp_packets_dropped_total", "counter", "NTP packets not answered.",
	  st.rx_packets - st.responses);
	M("ntp_responses_total", "counter", "NTP responses sent (including KoD).", st.responses);
	M("ntp_interleaved_packets_received_total", "counter",
	  "NTP responses sent in interleaved mode.", st.interleaved);
	M("ntp_acl_dropped_total", "counter", "NTP requests refused by allow/deny.",
	  st.dropped_acl);
	M("ntp_ratelimit_dropped_total", "counter", "NTP requests dropped by the rate limit.",
	  st.dropped_ratelimit);
	M("ntp_kod_sent_total", "counter", "KoD RATE responses sent.", st.kod_sent);
	M("ntp_late_dropped_total", "counter",
	  "NTP requests that waited longer than max_answer_delay (overload): not answered.",
	  st.dropped_late);
	M("ntp_ceiling_dropped_total", "counter",
	  "NTP requests over max_response_rate (all clients together): not answered.",
	  st.dropped_ceiling);
	M("ntp_hw_rx_timestamps_total", "counter", "Hardware RX timestamps.", st.rx_ts_hw);
	M("ntp_kernel_rx_timestamps_total", "counter", "Kernel RX timestamps.", st.rx_ts_sw);
	M("ntp_daemon_rx_timestamps_total", "counter", "Daemon RX timestamps.", st.rx_ts_daemon);
	M("ntp_hw_tx_timestamps_total", "counter", "Hardware TX timestamps.", st.tx_ts_hw);
	M("ntp_kernel_tx_timestamps_total", "counter", "Kernel TX timestamps.", st.tx_ts_sw);
	M("ntp_clientlog_records", "gauge", "Client records in use.", cs.records);
	M("ntp_clientlog_capacity", "gauge", "Client records that fit clientloglimit.", cs.capacity);
	M("ntp_clientlog_evictions_total", "counter", "Client records evicted (least recent).",
	  cs.evictions);
	M("ntp_clientlog_bytes", "gauge", "Memory of the client log.", cs.bytes);
#undef M
}

/* ---- module entry points ------------------------------------------------ */

static int ntp_start(const struct bridge_conf *c)
{
	memset(&ntp, 0, sizeof(ntp));
	ntp.local_stratum = c->ntp.local_stratum;
	ntp.serve_unsynced = c->ntp.serve_unsynced;
	if (c->ntp.n_allow == 0)
		log_warn("ntp: no allow rule: no client will be served (as chrony without allow)");
	if (ntp.local_stratum > 0)
		local_tick(NULL);
	ntp.timer = loop_add_timer(LOCAL_PERIOD_NS, LOCAL_PERIOD_NS, timer_cb, NULL);
	if (ntp_server_start(c) != 0)
		return -1;
	addrs_follow(c);
	return 0;
}

static int ntp_reload(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf)
{
	const struct bridge_conf *n = new_conf;

	/* Sockets, timestamping, client log and workers restart the module
	   (conf_table.c); allow/deny, rate limit and strata change here. */
	if (ntp_server_reload(n) != 0)
		return 1;
	ntp.local_stratum = n->ntp.local_stratum;
	ntp.serve_unsynced = n->ntp.serve_unsynced;
	return 0;
}

static void ntp_stop(void)
{
	ntp_server_stop();
	phc_addr_watch_stop(ntp.addr_watch);
	ntp.addr_watch = NULL;
	ntp.n_bind = 0;
	if (ntp.timer)
		loop_del_timer(ntp.timer);
	ntp.timer = NULL;
	ntp.local_active = false;
}

static const struct ctl_command ntp_commands[] = {
	{ "serverstats", CTL_READ, ntp_cmd_serverstats,
	  "NTP server counters (like chronyc serverstats)" },
	{ "clients", CTL_READ, ntp_cmd_clients,
	  "NTP clients by requests [N] (like chronyc clients)" },
	{ NULL, 0, NULL, NULL },
};

const struct pb_module ntp_module = {
	.name = "ntp",
	.start = ntp_start,
	.reload = ntp_reload,
	.stop = ntp_stop,
	.commands = ntp_commands,
	.status = ntp_status,
	.metrics = ntp_metrics,
};
