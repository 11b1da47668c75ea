# Sourced by the test scripts: a private root for named objects (the
# library's documented NAMED_SHM_DIR override) unless the caller gave one,
# removed with everything in it when the script exits, so that a run leaves
# no namespace directory in /dev/shm. World-writable and sticky like
# /dev/shm, since tests run children as a second user.
#   . scripts/lib/private-root.sh TAG
if [[ -z ${NAMED_SHM_DIR:-} ]]; then
  NAMED_SHM_DIR=$(mktemp -d "/dev/shm/named-shm-$1.XXXXXX")
  chmod 1777 "$NAMED_SHM_DIR"
  export NAMED_SHM_DIR
  __nshm_private_root=$NAMED_SHM_DIR
  trap 'rm -rf "$__nshm_private_root"' EXIT
fi
