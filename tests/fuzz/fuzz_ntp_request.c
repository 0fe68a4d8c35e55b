/*
 * libFuzzer: request parsing.  The first two bytes are the UDP source
 * port, the rest the datagram.  Whatever comes in, the parser must not
 * read out of bounds, and an accepted request must give a response that
 * is no longer than itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntp/ntp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntp_request req;
	struct ntp_response resp, back;
	uint8_t *copy, out[NTP_HEADER_LEN];
	size_t n;
	int port, mode;

	if (size < 2)
		return 0;
	port = (data[0] << 8) | data[1];
	/* an exact-size heap copy so ASan sees any overread */
	copy = malloc(size - 2 ? size - 2 : 1);
	memcpy(copy, data + 2, size - 2);
	if (ntp_packet_parse_request(copy, size - 2, port, &req) == NTP_REQ_OK) {
		if (req.length != size - 2 || req.length < NTP_HEADER_LEN || req.version < 1 ||
		    req.version > 4)
			abort();
		memset(&resp, 0, sizeof(resp));
		resp.version = req.version;
		resp.origin = req.transmit;
		n = ntp_packet_build_response(out, req.length < sizeof(out) ? req.length : sizeof(out),
				       &resp);
		if (n == 0 || n > req.length)
			abort();
		if (ntp_packet_read_header(out, n, &back, &mode) != 0 || mode != NTP_MODE_SERVER ||
		    back.origin != req.transmit)
			abort();
	}
	free(copy);
	return 0;
}
