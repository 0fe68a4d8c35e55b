# ntp/: the NTP server (docs/ntp.md), and phc/'s PHC access and tracking of
# NIC B (phc_dev, phc_track) that it uses for hardware timestamps.

NTP_SRCS = ntp/ntp.c ntp/ntp_server.c ntp/ntp_packet.c ntp/ntp_clientlog.c ntp/ntp_acl.c \
	phc/phc_dev.c phc/phc_track.c
BRIDGED_SRCS += $(NTP_SRCS)
BRIDGECTL_SRCS += ntp/ntp_view.c


