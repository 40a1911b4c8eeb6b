/*
 * A meeting line of the import/export format (SPEC §4):
 * {"meeting": {"id", "date", "chair", "attendance": [...]}}, so that
 * meetings without reviews, their chairs and attendance survive an export
 * and import.
 */
#include "forms/form_internal.h"

static const struct field attendee_fields[] = {
	{ .name = "name", .path = "meeting.attendance[].name", .type = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_IDENTIFIABLE, .label = "Name",
	  .help = "Who attended", .max_len = 200 },
	{ .name = "agency", .path = "meeting.attendance[].agency", .type = FIELD_CODE,
	  .flags = FIELD_REQUIRED, .codes = &codes_agency, .label = "Agency",
	  .help = "The agency they attended for" },
	{ .name = "role", .path = "meeting.attendance[].role", .type = FIELD_TEXT,
	  .label = "Role", .help = "Their role at the meeting", .max_len = 200 },
};

static const struct form form_attendee = {
	.name = "attendee",
	.title = "Attendee",
	.help = "One person at a meeting (`meeting attend`).",
	FORM_FIELDS(attendee_fields),
};

static const struct field agenda_fields[] = {
	{ .name = "case", .path = "meeting.agenda[].case", .type = FIELD_INT,
	  .flags = FIELD_REQUIRED, .label = "Case line",
	  .help = "The case's place among the file's case lines, 1 for the first",
	  .min = 1, .max = 2000000000 },
};

static const struct form form_agenda_item = {
	.name = "agenda_item",
	.title = "Agenda item",
	.help = "A case on a meeting's agenda (`meeting add`).",
	FORM_FIELDS(agenda_fields),
};

static const struct field meeting_fields[] = {
	{ .name = "id", .path = "meeting.id", .type = FIELD_INT,
	  .flags = FIELD_REQUIRED, .label = "Meeting id",
	  .help = "The meeting's id on the register that wrote the line; kept when free" },
	{ .name = "date", .path = "meeting.date", .type = FIELD_DATE,
	  .flags = FIELD_REQUIRED, .label = "Date", .help = "The meeting date, YYYY-MM-DD" },
	{ .name = "chair", .path = "meeting.chair", .type = FIELD_TEXT,
	  .flags = FIELD_IDENTIFIABLE, .label = "Chair", .help = "Who chaired it",
	  .max_len = 200 },
	{ .name = "attendance", .path = "meeting.attendance", .type = FIELD_OBJECT_ARRAY,
	  .label = "Attendance", .help = "Who attended, in the order recorded",
	  .sub = &form_attendee },
	{ .name = "agenda", .path = "meeting.agenda", .type = FIELD_OBJECT_ARRAY,
	  .label = "Agenda", .help = "The cases on its agenda, in reference order",
	  .sub = &form_agenda_item },
};

static const struct form form_meeting = {
	.name = "meeting",
	.title = "Meeting",
	.help = "A panel meeting.",
	FORM_FIELDS(meeting_fields),
};

static const struct field line_fields[] = {
	{ .name = "meeting", .path = "meeting", .type = FIELD_OBJECT,
	  .flags = FIELD_REQUIRED, .label = "Meeting", .help = "The meeting",
	  .sub = &form_meeting },
};

static const char *const line_rules[] = {
	"Meeting lines come before the case lines (export writes them first); a review's `meeting_date` then finds its meeting.",
	"`id` is kept when the register has no meeting with that id, so an import into an empty register keeps every id.",
	"`agenda` names each case by its place among the file's case lines (not by reference: an import into a register that already has cases gives new references); every place must be a case line of the file.",
	NULL,
};

const struct form form_meeting_line = {
	.name = "meeting_line",
	.title = "Meeting line (import/export)",
	.help = "A line of the import format that carries a meeting instead of a case.",
	FORM_FIELDS(line_fields),
	.rules = line_rules,
	.flags = FORM_IMPORT,
};
