#!/bin/sh
# mkcerts.sh DIR: makes the qcreg development PKI in DIR (see certs/README.md).
# ECDSA P-256 keys, SHA-256 signatures. Everything in DIR is regenerated on
# each run; files are built in a temporary directory first and moved into
# place only when all of them were made, so a failed run leaves DIR as it was.
# Needs only the openssl CLI (OpenSSL 3) and a POSIX shell.

set -eu

PRINCIPALS="market-regulator quality-bureau tourism-bureau commerce-bureau
shop-platform ops-admin replica-1 unknown-org"
LEAF_DAYS=825
CA_DAYS=3650

usage() {
	echo "usage: $0 DIR" >&2
	exit 2
}

die() {
	echo "mkcerts: $*" >&2
	exit 1
}

[ $# -eq 1 ] || usage
DIR=$1
command -v openssl >/dev/null 2>&1 || die "openssl not found"

mkdir -p "$DIR" || die "cannot create $DIR"
TMP=$(mktemp -d "$DIR/.mkcerts.XXXXXX") || die "cannot make a temp dir in $DIR"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM
OUT=$TMP/out
WRK=$TMP/work
mkdir "$OUT" "$WRK"

# Extensions for every kind of certificate, and a minimal "openssl ca"
# setup: openssl ca is what OpenSSL 3.0 offers for explicit validity dates
# (x509 -req has no -not_before before 3.4) and it keeps the database a CRL
# is made from.
cat >"$WRK/ca.cnf" <<EOF
[ ca ]
default_ca		= devca

[ devca ]
dir			= $WRK
database		= $WRK/index.txt
new_certs_dir		= $WRK/issued
serial			= $WRK/serial
crlnumber		= $WRK/crlnumber
certificate		= $OUT/ca.crt
private_key		= $OUT/ca.key
default_md		= sha256
default_days		= $LEAF_DAYS
default_crl_days	= $CA_DAYS
policy			= policy_any
unique_subject		= no
preserve		= yes
copy_extensions		= none
email_in_dn		= no

[ policy_any ]
commonName		= optional
organizationName	= optional

[ req ]
distinguished_name	= req_dn
prompt			= no

[ req_dn ]
CN			= unused

[ ext_ca ]
basicConstraints	= critical, CA:true
keyUsage		= critical, keyCertSign, cRLSign
subjectKeyIdentifier	= hash

[ ext_server ]
basicConstraints	= critical, CA:false
keyUsage		= critical, digitalSignature
extendedKeyUsage	= serverAuth
subjectAltName		= IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid

[ ext_client ]
basicConstraints	= critical, CA:false
keyUsage		= critical, digitalSignature
extendedKeyUsage	= clientAuth
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid

[ ext_noclientauth ]
basicConstraints	= critical, CA:false
keyUsage		= critical, digitalSignature
extendedKeyUsage	= serverAuth
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid
EOF
mkdir "$WRK/issued"
: >"$WRK/index.txt"
# A random first serial, so that certificates from two runs never share one.
serial=$(openssl rand -hex 8) || die "openssl rand"
echo "01$serial" >"$WRK/serial"
echo 1000 >"$WRK/crlnumber"

# newkey NAME: a fresh P-256 key in $OUT/NAME.key, mode 0600.
newkey() {
	(umask 077 && openssl genpkey -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$OUT/$1.key") ||
	    die "key $1"
}

# selfsigned NAME CN: a CA certificate for NAME.key.
selfsigned() {
	newkey "$1"
	openssl req -new -x509 -config "$WRK/ca.cnf" -key "$OUT/$1.key" \
	    -subj "/CN=$2" -sha256 -days "$CA_DAYS" -extensions ext_ca \
	    -out "$OUT/$1.crt" || die "certificate $1"
}

# csr NAME SUBJ: a key and a signing request for NAME.
csr() {
	newkey "$1"
	openssl req -new -config "$WRK/ca.cnf" -key "$OUT/$1.key" \
	    -subj "$2" -out "$WRK/$1.csr" || die "request $1"
}

# issue NAME SUBJ EXT [openssl ca options]: NAME.crt signed by the dev CA.
issue() {
	_n=$1 _s=$2 _e=$3
	shift 3
	csr "$_n" "$_s"
	openssl ca -batch -notext -config "$WRK/ca.cnf" -extensions "$_e" \
	    -in "$WRK/$_n.csr" -out "$OUT/$_n.crt" "$@" 2>"$WRK/$_n.log" || {
		cat "$WRK/$_n.log" >&2
		die "certificate $_n"
	}
}

selfsigned ca "qcreg dev CA"
issue server "/CN=qcregd" ext_server
for p in $PRINCIPALS; do
	issue "$p" "/CN=$p" ext_client
done
# For a browser (the web console): each principal's key, certificate and
# the CA as PKCS#12, password "qcreg-dev" (AES, as current browsers want).
for p in $PRINCIPALS; do
	openssl pkcs12 -export -in "$OUT/$p.crt" -inkey "$OUT/$p.key" \
	    -certfile "$OUT/ca.crt" -name "$p" -passout pass:qcreg-dev \
	    -out "$OUT/$p.p12" 2>"$WRK/$p.p12.log" ||
	    { cat "$WRK/$p.p12.log" >&2; die "pkcs12 $p"; }
done

# Certificates for the hardening tests. Fixed calendar years relative to
# today keep the dates unambiguous: expired-client ended on 1 January of
# last year, future-client starts on 1 January of next year.
year=$(date -u +%Y)
yy() {
	printf '%02d' $(($1 % 100))
}
issue expired-client "/CN=market-regulator" ext_client \
    -startdate "$(yy $((year - 2)))0101000000Z" \
    -enddate "$(yy $((year - 1)))0101000000Z"
issue future-client "/CN=market-regulator" ext_client \
    -startdate "$(yy $((year + 1)))0101000000Z" \
    -enddate "$(yy $((year + 2)))0101000000Z"
issue noclientauth-client "/CN=shop-platform" ext_noclientauth
issue nocn-client "/O=qcreg test/OU=no common name" ext_client
issue revoked-client "/CN=shop-platform" ext_client

# A CRL of the dev CA that lists revoked-client only.
openssl ca -batch -config "$WRK/ca.cnf" -revoke "$OUT/revoked-client.crt" \
    -crl_reason keyCompromise 2>"$WRK/revoke.log" ||
    { cat "$WRK/revoke.log" >&2; die "revoke"; }
openssl ca -batch -config "$WRK/ca.cnf" -gencrl -out "$OUT/ca.crl" \
    2>"$WRK/crl.log" || { cat "$WRK/crl.log" >&2; die "crl"; }

# A throwaway CA nobody trusts, and a client certificate from it that
# claims a real principal.
selfsigned rogue-ca "qcreg rogue CA"
csr rogue-client "/CN=market-regulator"
openssl x509 -req -in "$WRK/rogue-client.csr" -CA "$OUT/rogue-ca.crt" \
    -CAkey "$OUT/rogue-ca.key" -set_serial 1 -sha256 -days "$LEAF_DAYS" \
    -extfile "$WRK/ca.cnf" -extensions ext_client \
    -out "$OUT/rogue-client.crt" 2>"$WRK/rogue.log" ||
    { cat "$WRK/rogue.log" >&2; die "certificate rogue-client"; }

# The registry's signing keys (Ed25519): signing-1 signs checkpoints and
# answers; signing-2 is the next one, for the key-rotation tests. The .pub
# files are what a platform keeps to verify them.
for k in signing-1 signing-2; do
	(umask 077 && openssl genpkey -algorithm ed25519 -out "$OUT/$k.key") \
	    2>"$WRK/$k.log" || { cat "$WRK/$k.log" >&2; die "key $k"; }
	openssl pkey -in "$OUT/$k.key" -pubout -out "$OUT/$k.pub" \
	    2>"$WRK/$k.log" || { cat "$WRK/$k.log" >&2; die "public key $k"; }
done

# Sanity: the chain the server and the well-behaved clients rely on.
for n in $PRINCIPALS; do
	openssl verify -CAfile "$OUT/ca.crt" -purpose sslclient \
	    "$OUT/$n.crt" >/dev/null || die "$n does not verify"
done
openssl verify -CAfile "$OUT/ca.crt" -purpose sslserver \
    "$OUT/server.crt" >/dev/null || die "server does not verify"

chmod 0644 "$OUT"/*.crt "$OUT"/*.pub "$OUT/ca.crl"
chmod 0600 "$OUT"/*.key "$OUT"/*.p12
# rename(2) replaces any old file, so an old key's mode does not survive.
for f in "$OUT"/*; do
	mv -f "$f" "$DIR/" || die "cannot move $f into $DIR"
done
echo "mkcerts: development certificates in $DIR"
