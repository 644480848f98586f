#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The main job inside the VM until the stress run takes it over: show what
# the exporter and importer do with one device.
set -x
dmabuf-p2p info
dmabuf-p2p create --device "$DMABUF_P2P_DEVICE"
dmabuf-p2p revoke --device "$DMABUF_P2P_DEVICE"
