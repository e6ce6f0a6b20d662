/*
 * The op table: every op the server answers, with the roles that may
 * call it (PROTOCOL.md section 6), whether it writes, and its arguments.
 * Dispatch checks a request against its entry before the op runs, so an
 * op's code only does its job. A new op is an entry here and a file.
 */
#include "op.h"

const struct op_entry op_table[] = {
	{
		.op_name = "hello",
		.op_roles = ROLES_ANYONE,
		.op_run = op_hello,
	},
	{
		.op_name = "check",
		.op_audited = 1,
		.op_roles = ROLES_READERS,
		.op_args = {
			{ ARG_SUBJECTS, ARG_REQUIRED },
			{ ARG_LISTS, 0 },
			{ ARG_SIGNED, 0 },
		},
		.op_run = op_check,
	},
	{
		.op_name = "get",
		.op_audited = 1,
		.op_roles = ROLES_READERS,
		.op_args = {
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_LISTS, 0 },
		},
		.op_run = op_get,
	},
	{
		.op_name = "put",
		.op_roles = ROLES_WRITERS,
		.op_writes = 1,
		.op_args = {
			{ ARG_LIST, ARG_REQUIRED | ARG_OWN_LIST },
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_FIELDS, ARG_REQUIRED },
			{ ARG_IF_VERSION, 0 },
			{ ARG_IDEM, 0 },
			{ ARG_UNLESS_SAME, 0 },
		},
		.op_run = op_put,
	},
	{
		.op_name = "remove",
		.op_roles = ROLES_WRITERS,
		.op_writes = 1,
		.op_args = {
			{ ARG_LIST, ARG_REQUIRED | ARG_OWN_LIST },
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_REASON, ARG_REQUIRED },
			{ ARG_IF_VERSION, 0 },
			{ ARG_IDEM, 0 },
		},
		.op_run = op_remove,
	},
	{
		.op_name = "case_open",
		.op_roles = ROLES_WRITERS,
		.op_writes = 1,
		.op_args = {
			{ ARG_LIST, ARG_REQUIRED | ARG_OWN_LIST },
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_KIND, ARG_REQUIRED },
			{ ARG_RECEIVED_ON, ARG_REQUIRED },
			{ ARG_TEXT, ARG_REQUIRED },
			{ ARG_FIELDS, 0 },
			{ ARG_IDEM, 0 },
		},
		.op_run = op_case_open,
	},
	{
		/* The case's list is checked against the agency in the op. */
		.op_name = "case_close",
		.op_roles = ROLES_WRITERS,
		.op_writes = 1,
		.op_args = {
			{ ARG_CASE, ARG_REQUIRED },
			{ ARG_OUTCOME, ARG_REQUIRED },
			{ ARG_REASON, ARG_REQUIRED },
			{ ARG_FIELDS, 0 },
			{ ARG_IF_VERSION, 0 },
			{ ARG_IDEM, 0 },
		},
		.op_run = op_case_close,
	},
	{
		.op_name = "cases",
		.op_audited = 1,
		.op_roles = ROLES_SUPERVISE,
		.op_limit = 100,
		.op_args = {
			{ ARG_CASE_STATE, 0 },
			{ ARG_WITHIN, 0 },
			{ ARG_LIST, ARG_OWN_LIST },
			{ ARG_KIND, 0 },
			{ ARG_AFTER_CASE, 0 },
			{ ARG_LIMIT, 0 },
		},
		.op_run = op_cases,
	},
	{
		.op_name = "escalations",
		.op_audited = 1,
		.op_roles = ROLES_SUPERVISE,
		.op_limit = 100,
		.op_args = {
			{ ARG_LIST, ARG_OWN_LIST },
			{ ARG_AFTER, 0 },
			{ ARG_LIMIT, 0 },
		},
		.op_run = op_escalations,
	},
	{
		.op_name = "escalation_dismiss",
		.op_roles = ROLES_WRITERS,
		.op_writes = 1,
		.op_args = {
			{ ARG_LIST, ARG_REQUIRED | ARG_OWN_LIST },
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_REASON, ARG_REQUIRED },
			{ ARG_IDEM, 0 },
		},
		.op_run = op_escalation_dismiss,
	},
	{
		.op_name = "history",
		.op_audited = 1,
		.op_roles = ROLES_SUPERVISE,
		.op_args = {
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_LIST, ARG_OWN_LIST },
		},
		.op_run = op_history,
	},
	{
		.op_name = "scan",
		.op_audited = 1,
		.op_roles = ROLES_READERS,
		.op_limit = 100,
		.op_args = {
			{ ARG_LIST, ARG_REQUIRED },
			{ ARG_AFTER, 0 },
			{ ARG_LIMIT, 0 },
			{ ARG_STATE, 0 },
		},
		.op_run = op_scan,
	},
	{
		.op_name = "changes",
		.op_audited = 1,
		.op_roles = ROLES_FEED,
		.op_limit = 100,
		.op_args = {
			{ ARG_SINCE, 0 },
			{ ARG_LIMIT, 0 },
			{ ARG_WAIT, 0 },
		},
		.op_run = op_changes,
	},
	{
		.op_name = "stats",
		.op_audited = 1,
		.op_roles = ROLES_COUNTERS,
		.op_args = {
			{ ARG_BY, 0 },
			{ ARG_LIST, 0 },
			{ ARG_REGION, 0 },
			{ ARG_DAY_FROM, 0 },
			{ ARG_DAY_TO, 0 },
		},
		.op_run = op_stats,
	},
	{
		.op_name = "search",
		.op_audited = 1,
		.op_roles = ROLES_SUPERVISE,
		.op_limit = 20,
		.op_args = {
			{ ARG_Q, ARG_REQUIRED },
			{ ARG_LISTS, 0 },
			{ ARG_LIMIT, 0 },
			{ ARG_SEARCH_AFTER, 0 },
		},
		.op_run = op_search,
	},
	{
		.op_name = "backup",
		.op_roles = ROLES_ADMIN,
		.op_args = {
			{ ARG_BACKUP, 0 },
		},
		.op_run = op_backup,
	},
	{
		.op_name = "backup_read",
		.op_roles = ROLES_ADMIN,
		.op_args = {
			{ ARG_BACKUP, ARG_REQUIRED },
			{ ARG_OFFSET, 0 },
		},
		.op_run = op_backup_read,
	},
	{
		.op_name = "audit",
		.op_roles = ROLES_ADMIN,
		.op_limit = 100,
		.op_args = {
			{ ARG_PRINCIPAL, 0 },
			{ ARG_SUBJECT, 0 },
			{ ARG_SINCE_DAY, 0 },
			{ ARG_AFTER_SEQ, 0 },
			{ ARG_LIMIT, 0 },
		},
		.op_run = op_audit,
	},
	{
		.op_name = "checkpoint",
		.op_roles = ROLES_ANYONE,
		.op_run = op_checkpoint,
	},
	{
		.op_name = "proof",
		.op_roles = ROLES_ANYONE,
		.op_args = {
			{ ARG_SEQ, ARG_REQUIRED },
			{ ARG_SIZE, 0 },
		},
		.op_run = op_proof,
	},
	{
		.op_name = "consistency",
		.op_roles = ROLES_ANYONE,
		.op_args = {
			{ ARG_FROM, ARG_REQUIRED },
			{ ARG_TO, 0 },
		},
		.op_run = op_consistency,
	},
	{
		/* An agency sees its own lists whole (op_report.c). */
		.op_name = "report",
		.op_audited = 1,
		.op_roles = ROLES_SUPERVISE,
		.op_args = {
			{ ARG_SUBJECT, ARG_REQUIRED },
			{ ARG_SIGNED, 0 },
		},
		.op_run = op_report,
	},
};

const int op_table_len = sizeof(op_table) / sizeof(op_table[0]);
