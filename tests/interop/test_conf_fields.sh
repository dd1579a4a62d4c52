#!/bin/bash
# Every option of the table does something (issue 12 item 3): the struct
# conf field of each implemented option that is not marked CONF_F_NOOP
# ("accepted, no effect" in --help) is read somewhere outside src/conf, and
# the field of each CONF_F_NOOP option is read nowhere outside src/conf (else
# the mark is wrong). No server is started; this reads the source tree.
. "$(dirname "$0")/lib.sh"
SRC=$INTEROP_DIR/../../src
[ -f "$SRC/conf/conf_table.c" ] || fail "no source tree at $SRC"
"$PY" - "$SRC" <<'PYEOF' || fail "see above"
import os, re, sys
src = sys.argv[1]
table = open(os.path.join(src, "conf/conf_table.c")).read()
body = table[table.index("conf_options[] = {"):]
body = body[:body.index("\n};")]
# Rows: NAME_OPT("name", short, field, ...) or { "name", short, CONF_X, OFF(field), ...
rows = []
for m in re.finditer(r'[A-Z_]+_OPT\(\s*"([^"]+)",\s*[^,]+,\s*([a-z_0-9]+),(.*?)\),?\n\s*(?=[A-Z_]+\(|\{|/\*|$)', body + "\n", re.S):
    rows.append((m.group(1), m.group(2), m.group(3)))
for m in re.finditer(r'\{\s*"([^"]+)",\s*[^,]+,\s*CONF_([A-Z]+),\s*OFF\(([a-z_0-9]+)\),(.*?)\}', body, re.S):
    rows.append((m.group(1), m.group(3), m.group(4)))
if len(rows) < 100:
    sys.exit("parsed only %d rows of the option table" % len(rows))
# Read by conf_validate only, and that is their effect: no-auth conflicts
# with them, use-auth-secret needs a secret. keep-address-family is folded
# by src/conf into allocation-default-address-family=keep.
validate_only = {"lt_cred_mech", "use_auth_secret", "keep_address_family"}
code = []
for d, _, files in os.walk(src):
    if os.path.relpath(d, src).split(os.sep)[0] == "conf":
        continue
    for f in files:
        if f.endswith(".c"):
            code.append(open(os.path.join(d, f), errors="replace").read())
code = "\n".join(code)
bad = []
checked = 0
for name, field, rest in rows:
    read = re.search(r'(->|\.)%s\b' % field, code) is not None
    if "CONF_F_NOOP" in rest:
        if read:
            bad.append("%s is marked CONF_F_NOOP but %s is read outside src/conf" % (name, field))
    elif not read and field not in validate_only:
        bad.append("%s: field %s is read nowhere outside src/conf (mark it CONF_F_NOOP?)" % (name, field))
    checked += 1
for b in bad:
    print(b)
print("%d options checked" % checked, file=sys.stderr)
sys.exit(1 if bad else 0)
PYEOF
pass "every implemented option's field is read outside src/conf, and no CONF_F_NOOP one is"
