#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The main job inside the VM: show the device, then a seeded stress run on
# it (P2P_STRESS_S seconds, default 60; from the host's environment via
# the p2p.stress_s= boot argument) ending with its summary.
set -x
dmabuf-p2p info
# The host shows this through a log file: plain progress lines, no \r.
TERM=dumb dmabuf-p2p stress --duration "${P2P_STRESS_S:-60}"
