/*
 * The daemon's configuration: parsed once from an INI file into plain
 * structs and checked whole before use.
 */
#ifndef QCD_CONFIG_H
#define QCD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CFG_NAME_MAX	64	/* list, field and principal names */
#define CFG_MAX_LISTS	32
#define CFG_MAX_FIELDS	24
#define CFG_MAX_VALUES	16
#define CFG_ESCALATE_MAX 16	/* listings a watch entry remembers */

/* Kinds of case (procedures), in the order of l_case_days. */
enum case_kind {
	CASE_NOTICE = 0,
	CASE_OBJECTION,
	CASE_REPAIR,
	CFG_CASE_KINDS
};
/* map_max_mb's default, in bytes (also --migrate's without a config) */
#define CFG_MAP_MAX_DEFAULT	((uint64_t)64 * 1024 * 1024 * 1024)
/* The audit store's map at start (it grows up to map_max). */
#define CFG_AUDIT_MAP_SIZE	((uint64_t)64 * 1024 * 1024)
/* map_size_mb's default, in bytes */
#define CFG_MAP_SIZE_DEFAULT	((uint64_t)1024 * 1024 * 1024)

enum role {
	ROLE_NONE = 0,		/* certificate valid, principal not configured */
	ROLE_PLATFORM,
	ROLE_AGENCY,
	ROLE_REGULATOR,
	ROLE_ADMIN,
	ROLE_REPLICA		/* a replica following this server */
};
#define ROLE_BIT(r)	(1u << (r))

enum field_type {
	FT_TEXT = 0,
	FT_ENUM,
	FT_INT,
	FT_DATE
};

enum list_type {
	LT_RATING = 0,
	LT_BLACKLIST,
	LT_WATCH
};

/* What an active entry means to a platform; ordered, worst last. */
enum verdict {
	VERDICT_CLEAR = 0,
	VERDICT_CAUTION,
	VERDICT_LISTED
};

struct field_def {
	char		 f_name[CFG_NAME_MAX];
	enum field_type	 f_type;
	int		 f_required;
	size_t		 f_max_len;		/* text: bytes */
	int64_t		 f_min, f_max;		/* int */
	char		 f_values[CFG_MAX_VALUES][CFG_NAME_MAX];
	char		*f_labels[CFG_MAX_VALUES];	/* display; NULL: none */
	int		 f_nvalues;		/* enum */
};

struct list_def {
	char		 l_name[CFG_NAME_MAX];
	char		 l_title[256];
	enum list_type	 l_type;
	unsigned	 l_kinds;		/* bit per enum qc_kind */
	struct field_def l_fields[CFG_MAX_FIELDS];
	int		 l_nfields;
	int		 l_start;		/* field index or -1 */
	int		 l_end;			/* field index or -1 */
	int		 l_grade;		/* field index or -1 */
	int		 l_default_years;	/* end = start + years if absent */
	/* rating: the verdict of an active entry, by grade value */
	unsigned char	 l_verdicts[CFG_MAX_VALUES];
	unsigned	 l_verdicts_set;	/* bit per value, while parsing */
	/* watch: the list it escalates to (-1: none) and the rule */
	int		 l_escalate_to;
	char		 l_escalate_name[CFG_NAME_MAX];
	int		 l_escalate_after;	/* listings ... */
	int		 l_escalate_window;	/* ... within this many days */
	/* procedures (PROTOCOL.md 4.6): working days per case kind */
	int		 l_case_days[CFG_CASE_KINDS];
	int		 l_repair_after;	/* days after the start date */
	int		 l_publish_days;	/* public after expiry; 0: ever */
};

struct calendar;
struct regions;
struct signer;

struct principal {
	char		 p_name[CFG_NAME_MAX];
	enum role	 p_role;
	unsigned	 p_writes;		/* bit per list index */
	/* Quotas (0: none): requests and subjects a second, and the
	   seconds of them a bucket holds (default 1). */
	uint32_t	 p_req_rate, p_subj_rate, p_burst;
	struct principal *p_next;
};

struct limits {
	uint32_t	 max_frame;
	uint32_t	 max_batch;
	uint32_t	 max_limit;		/* scan/changes page */
	uint32_t	 max_connections;
	uint32_t	 handshake_timeout;	/* seconds */
	uint32_t	 idle_timeout;		/* seconds */
	size_t		 output_cap;		/* unsent answer bytes */
	size_t		 max_text;		/* default text length */
};

struct config {
	char		 listen_host[256];
	char		 listen_port[16];
	/* The web console's files, served at / of the HTTPS listener. */
	char		 console_dir[1024];
	/* The HTTPS JSON API and console; "" (the default): none. */
	char		 http_host[256];
	char		 http_port[16];
	/* /healthz and /metrics over plain HTTP; "" (the default): none. */
	char		 metrics_host[256];
	char		 metrics_port[16];
	char		 data_dir[1024];
	/* Where backups go; "" (the default): data_dir + "-backups". */
	char		 backup_dir[1024];
	/* The audit of reads; "" (the default): data_dir + "/audit". */
	char		 audit_dir[1024];
	uint32_t	 audit_days;	/* kept at least this long */
	char		 ca_file[1024];
	char		 cert_file[1024];
	char		 key_file[1024];
	char		 crl_file[1024];	/* empty: no CRL */
	char		 calendar_file[1024];	/* empty: weekdays only */
	/* Division names for the region statistics; read at start. */
	char		 regions_file[1024];	/* empty: codes only */
	struct regions	*regions;
	/* Loaded from calendar_file; SIGHUP swaps it (config_calendar). */
	struct calendar	*calendar;
	char		 signing_key_file[1024];	/* empty: unsigned */
	char		 signing_key_id[65];
	char		 origin[129];		/* the log's name in checkpoints */
	/* Loaded from signing_key; SIGHUP swaps it (config_signer). */
	struct signer	*signer;
	/* A replica: its primary, and the certificate it presents there. */
	char		 replica_of[300];	/* HOST:PORT; empty: a primary */
	char		 replica_host[256];	/* ... split */
	char		 replica_port[16];
	char		 replica_cert[1024];
	char		 replica_key[1024];
	int		 utc_offset;		/* minutes */
	int		 workers;		/* 0: one per core */
	uint64_t	 map_size;		/* bytes, at start */
	uint64_t	 map_max;		/* bytes, growth limit */
	struct limits	 limits;
	struct list_def	 lists[CFG_MAX_LISTS];
	int		 nlists;
	struct principal *principals;
};

/*
 * Parses path into a newly allocated config. On error returns NULL and
 * writes "file:line: reason" to err.
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
void		 config_free(struct config *);
/*
 * The working-day calendar (NULL: none configured). SIGHUP swaps in a
 * new one while other threads read; the old one must outlive them, so
 * the swapper keeps what it gets back until exit.
 */
const struct calendar *config_calendar(const struct config *);
struct calendar	*config_swap_calendar(struct config *, struct calendar *);
/* The signing key (NULL: none configured), swapped like the calendar. */
const struct signer *config_signer(const struct config *);
struct signer	*config_swap_signer(struct config *, struct signer *);
/* Splits "host:port" (or "[v6]:port") into the config's listen fields. */
int		 config_set_listen(struct config *, const char *);
/* The same for http_listen. */
int		 config_set_http_listen(struct config *, const char *);

const struct principal *config_principal(const struct config *,
		    const char *name);
/* Whether two list definitions are the same (labels compared as text). */
int		 config_list_equal(const struct list_def *,
		    const struct list_def *);
/* List index for a name of len bytes, or -1. */
int		 config_list_index(const struct config *, const char *,
		    size_t);
/* Field index in a list for a name of len bytes, or -1. */
int		 config_field_index(const struct list_def *, const char *,
		    size_t);
/* The mask of every list index (up to CFG_MAX_LISTS = 32 of them). */
unsigned	 config_all_lists(const struct config *);
const char	*config_role_name(enum role);
/* Sets replica_of from HOST:PORT; -1 if it is not one. */
int		 config_set_replica_of(struct config *, const char *);
const char	*config_field_type_name(enum field_type);
const char	*config_list_type_name(enum list_type);
const char	*config_verdict_name(enum verdict);
/* The audit directory: audit_dir, or data_dir + "/audit" (out). */
const char	*config_audit_dir(const struct config *, char *out, size_t);
/* The backup directory: backup_dir, or data_dir + "-backups" (out). */
const char	*config_backup_dir(const struct config *, char *out, size_t);
/* The verdict of an active entry of list l with grade (len bytes). */
enum verdict	 config_entry_verdict(const struct list_def *l,
		    const char *grade, size_t len);

#endif
