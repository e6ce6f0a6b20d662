/*
 * report: the region of a subject registered in China, from the
 * division code that characters 3-8 of its USCC carry, with the names of
 * the divisions the server's region file knows (province, city, county).
 */
#include <string.h>

#include "msg.h"
#include "regions.h"
#include "report.h"
#include "stats.h"

int
report_region_has(const struct req *q)
{
	char	 code[7];

	return stats_subject_region(q->q_args.a_subject,
	    strlen(q->q_args.a_subject), code);
}

int
report_region_pack(const struct req *q, msgpack_packer *pk)
{
	const char	*name;
	char		 code[7];
	size_t		 len;
	uint32_t	 n = 0;

	if (!stats_subject_region(q->q_args.a_subject,
	    strlen(q->q_args.a_subject), code))
		return -1;
	for (len = 2; len <= 6; len += 2)
		n += regions_name(q->q_cfg->regions, code, len) != NULL;
	if (msgpack_pack_map(pk, 2) != 0 ||
	    qc_pack_kv_str(pk, "code", code) != 0 ||
	    qc_pack_cstr(pk, "names") != 0 || msgpack_pack_array(pk, n) != 0)
		return -1;
	for (len = 2; len <= 6; len += 2) {
		if ((name = regions_name(q->q_cfg->regions, code, len)) == NULL)
			continue;
		if (msgpack_pack_map(pk, 2) != 0 ||
		    qc_pack_cstr(pk, "code") != 0 ||
		    msgpack_pack_str_with_body(pk, code, len) != 0 ||
		    qc_pack_kv_str(pk, "name", name) != 0)
			return -1;
	}
	return 0;
}
