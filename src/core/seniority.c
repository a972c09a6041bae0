/*
 * seniority.c
 *		The seniority of a job title, in plain C.
 *
 * Reading a title
 * ---------------
 * The title is a run of bytes, not a C string: NULs, invalid UTF-8 and
 * anything else may appear, and nothing past the given length is read.  It
 * is cut into words of ASCII letters and digits, lowercased (ASCII only, so
 * no locale is involved).  A byte >= 0x80 is a letter too, so a non-English
 * word stays one word that matches nothing ("Geschäftsführer" is one unknown
 * word, not "gesch" + "ftsf" + "hrer"); the only exceptions are a few UTF-8
 * punctuation marks that appear in pasted titles: no-break and other Unicode
 * spaces, the Unicode hyphens and dashes, the curly apostrophes, the bullet
 * and the middle dot.  Everything else that is not a letter or a digit
 * separates words, and some separators also mean something:
 *
 *   , ; : | ( ) [ ] { } newline, a dash or a spaced hyphen ("SVP - Sales"),
 *   a bullet                    end one role and begin another
 *   & + / "and" "or"            the same, except that they do not end a
 *                               "Chief ... Officer" ("Chief Data & Analytics
 *                               Officer")
 *   @ "at" "in"                 what follows (a company, a place) names no
 *                               role, up to the next separator
 *   "of" "for"                  the same ("Director of Sales"); after a
 *                               role below manager, to the end (see traps)
 *   "to"                        after a role that is not a manager or above,
 *                               or no role, the rest of the title names no
 *                               role ("Assistant to the CEO"); "go to market"
 *                               is not a "to"
 *   's (also ’s)                what came before it owns what follows and is
 *                               forgotten ("Director's Assistant"); so does a
 *                               role followed by "Office" ("CEO Office")
 *   a hyphen between two words, a dot, spaces, other punctuation: nothing
 *                               ("Co-Founder", "Sr. Manager", "Vice-President")
 *
 * Single letters joined by dots are one word: "C.E.O." and "V. P." read as
 * "ceo" and "vp".  Only English titles are understood.
 *
 * Levels
 * ------
 * Within one role (the words between two separators), English puts the head
 * noun last: "Assistant Manager" is a manager, "Executive Assistant" an
 * assistant, "Lead Engineer" an engineer.  So the last role word decides,
 * with the modifiers before it adjusting it (the table below).  "Head",
 * "Chief", "Lead", "Leader" and "Principal" are weaker: they never lower a
 * more senior word before them ("VP Head of Sales" is a vp), and a job word
 * after them makes them a modifier (see the table).  A title with several
 * roles ("Co-Founder & CTO", "VP, Sales / Head of Growth") takes the most
 * senior one.  A title with no role word at all is unknown, even when it is
 * clearly something ("Ninja of Vibes", "Retired", "N/A", "asdf", foreign
 * titles): unknown is what lets a scoring rule skip a lead instead of
 * guessing.
 *
 *   title pattern                               level       why
 *   CEO CFO CTO COO CMO CRO CIO CISO CPO CDO    c_level
 *     CHRO CSO CCO CAO CLO CXO CGO CBO CDAO
 *     CAIO CNO CPTO; "C.E.O."
 *   Chief ... Officer (also across & and /)     c_level
 *   Chief Executive                             c_level
 *   Founder, Co-Founder, Cofounder, Owner,      c_level     owns the company
 *     Proprietor, Entrepreneur
 *   President, Pres.                            c_level     including division
 *                                                           presidents
 *   Chairman/Chairwoman/Chairperson/Chair,      c_level     board level
 *     Vice Chair(man), Executive Chairman
 *   Board Member, Member of the Board, Board    c_level     board level
 *     Director, Board of Directors,
 *     Non-Executive Director
 *   Managing Director, MD                       c_level     runs the company in
 *                                                           the UK/EU, senior
 *                                                           officer in finance
 *   Partner, Senior/Managing/General/Founding/  c_level     owner of a
 *     Equity Partner                                        professional firm
 *   Associate Partner                           director
 *   Partner after a domain word: (HR) Business  individual_contributor
 *     Partner, Talent (Acquisition) Partner,
 *     Channel Partner
 *   General Counsel                             c_level     heads legal
 *   Associate/Assistant/Deputy General Counsel  director
 *   Counsel, Legal Counsel                      individual_contributor
 *   C-Level/C-Suite (Executive)                 c_level
 *   VP, V.P., SVP, EVP, AVP, RVP, GVP,          vp          all vice
 *     Vice President, Senior/Executive/                     presidents, banks'
 *     Assistant/Associate Vice President                    AVPs included
 *   Director, Dir., Sr./Senior/Associate/       director
 *     Assistant/Deputy Director, Art Director
 *   Executive Director                          director    senior director in
 *                                                           companies (a
 *                                                           non-profit's ED is
 *                                                           its CEO, but rarely
 *                                                           a B2B lead)
 *   Head of X, "Head, X", Department Head       director    unless something
 *                                                           more senior is
 *                                                           there too
 *   Head Chef, Head Coach (Head + job word)     manager
 *   Chief of Staff, Chief Architect/Engineer/   director    senior, not officers
 *     Scientist (Chief + no Officer)
 *   Principal (alone)                           director    consulting, schools
 *   Principal Engineer/Consultant               individual_contributor
 *   General Manager, GM                         director    runs a business unit
 *   Controller, Comptroller                     director    heads accounting
 *   Manager, Mgr, Sr. Manager, Assistant        manager     every "... Manager",
 *     Manager, Product/Project/Account/                     for consistency,
 *     Store/Office Manager, PM                              though many sheets
 *                                                           count product and
 *                                                           account managers
 *                                                           as individuals
 *   Partner Manager, CEO Office Manager         manager     the last role word
 *                                                           is the head
 *   Supervisor, Foreman, Superintendent         manager
 *   Team Lead, Tech Lead, X Lead, Team Leader   manager     leads people
 *   Lead Engineer/Designer (Lead + job word)    individual_contributor
 *   Lead Generation ...                         not a lead
 *   Engineer, Developer, Analyst, Specialist,   individual_contributor
 *     Coordinator, Associate, Consultant,
 *     Designer, Representative, SDR, BDR, AE,
 *     Accountant, Nurse, Teacher, Scrum
 *     Master, Intern, Student, Trainee, ...
 *   Account/Sales/Marketing Executive,          individual_contributor
 *     Executive: a sales or junior title (UK), not an executive
 *   Officer without Chief (Compliance Officer)  individual_contributor
 *   Product/Process/Service/Data Owner          individual_contributor
 *   Assistant, Secretary, EA, PA, Aide,         individual_contributor
 *     Receptionist, Admin
 *
 * Traps: an assistant is not the person assisted.  When the head of a role
 * is assistant-like (assistant, secretary, EA, PA, aide, receptionist,
 * admin), the rest of the title is about someone else and ignored:
 * "Executive Assistant to the CFO", "Executive Assistant, CEO Office",
 * "EA | CEO & Founder" are individual contributors.  So is any role that is
 * not a manager or above followed by "to", "of" or "for" ("Advisor to the
 * CEO", "Coordinator for the VP").  A possessive is the owner, not the role:
 * "Director's Assistant", "Office Manager's assistant", "CEO's Chief of
 * Staff" (director).  "Assistant Manager", "Assistant Director" and
 * "Assistant Vice President" are the manager, director and vp they name:
 * there "assistant" is a modifier, not the head.
 *
 * Cost: one pass over the bytes, each looked at a bounded number of times,
 * with one binary search of a table per word of at most WORD_MAX bytes; no
 * allocation, about a hundred bytes of stack, no recursion.
 */
#include "seniority.h"

#include <stdlib.h>
#include <string.h>

/* Internal ranks: higher is more senior; 0 is "no role seen". */
enum
{
	R_NONE = 0,
	R_IC,
	R_MGR,
	R_DIR,
	R_VP,
	R_C
};

/* What a word of the table is. */
typedef enum KeywordKind
{
	KW_STOP,					/* a, an, the: skipped */
	KW_CONJ,					/* and, or: like & */
	KW_AT,						/* at, in: like @ */
	KW_OF,						/* of, for */
	KW_TO,						/* to */
	KW_ROLE,					/* a role of its rank; the last one wins */
	KW_WEAK,					/* head, chief, lead...: see "Levels" */
	KW_IC,						/* a job below manager */
	KW_MOD						/* changes the role it precedes */
} KeywordKind;

/* Words whose meaning depends on their neighbours. */
typedef enum Special
{
	SP_NONE,
	SP_PRESIDENT,				/* vice + : vp */
	SP_DIRECTOR,				/* managing/board/non-executive + : c_level */
	SP_MANAGER,					/* general + : director */
	SP_PARTNER,					/* business/talent/... + : ic; associate + :
								 * director */
	SP_OWNER,					/* product/process/... + : ic */
	SP_COUNSEL,					/* general + : c_level */
	SP_OFFICER,					/* after chief: c_level */
	SP_EXECUTIVE,				/* after chief or c-level: c_level */
	SP_MEMBER,					/* board member, member of the board: c_level */
	SP_HEAD,
	SP_CHIEF,
	SP_PRINCIPAL,
	SP_LEAD,
	SP_LEADER,
	SP_VICE,
	SP_MANAGING,
	SP_GENERAL,
	SP_NON,
	SP_BOARD,
	SP_DIRECTORS,				/* board of + : c_level */
	SP_BUSINESS,
	SP_OWNER_SCOPE,				/* product, process, service, data... */
	SP_C,						/* c + level/suite: c_level */
	SP_LEVEL,
	SP_GEN,						/* lead + : no role */
	SP_GO,						/* go + to: not a preposition */
	SP_GRADE,					/* senior, junior, interim...: not a domain */
	SP_OFFICE					/* role + : the role owns the office */
} Special;

/* Keyword flags */
#define F_DEPENDENT	0x01		/* assistant-like: the rest of the title is
								 * someone else */
#define F_WEAK		0x02		/* counts only in a role with nothing else
								 * ("VP Admin" is a vp) */
#define F_JUNIOR	0x04		/* associate, assistant, deputy */

typedef struct Keyword
{
	const char *word;			/* lowercase ASCII */
	unsigned char kind;			/* KeywordKind */
	unsigned char rank;			/* for KW_ROLE, KW_WEAK and KW_IC */
	unsigned char special;		/* Special */
	unsigned char flags;		/* F_* */
} Keyword;

/* Longer words are in no table: a longer word is an unknown word. */
#define WORD_MAX 24

/*
 * Sorted by strcmp(), for bsearch(): a word out of order is never found.
 * WORD_MAX bytes at most.
 */
static const Keyword keywords[] = {
	{"a", KW_STOP, R_NONE, SP_NONE, 0},
	{"accountant", KW_IC, R_IC, SP_NONE, 0},
	{"acting", KW_MOD, R_NONE, SP_GRADE, 0},
	{"actuary", KW_IC, R_IC, SP_NONE, 0},
	{"admin", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_WEAK},
	{"administrator", KW_IC, R_IC, SP_NONE, 0},
	{"adr", KW_IC, R_IC, SP_NONE, 0},
	{"adviser", KW_IC, R_IC, SP_NONE, 0},
	{"advisor", KW_IC, R_IC, SP_NONE, 0},
	{"advocate", KW_IC, R_IC, SP_NONE, 0},
	{"ae", KW_IC, R_IC, SP_NONE, 0},
	{"agent", KW_IC, R_IC, SP_NONE, 0},
	{"aide", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"ambassador", KW_IC, R_IC, SP_NONE, 0},
	{"an", KW_STOP, R_NONE, SP_NONE, 0},
	{"analyst", KW_IC, R_IC, SP_NONE, 0},
	{"and", KW_CONJ, R_NONE, SP_NONE, 0},
	{"animator", KW_IC, R_IC, SP_NONE, 0},
	{"application", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"appraiser", KW_IC, R_IC, SP_NONE, 0},
	{"apprentice", KW_IC, R_IC, SP_NONE, 0},
	{"architect", KW_IC, R_IC, SP_NONE, 0},
	{"artist", KW_IC, R_IC, SP_NONE, 0},
	{"asset", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"assistant", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},
	{"assoc", KW_IC, R_IC, SP_NONE, F_JUNIOR},
	{"associate", KW_IC, R_IC, SP_NONE, F_JUNIOR},
	{"asst", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},
	{"at", KW_AT, R_NONE, SP_NONE, 0},
	{"attendant", KW_IC, R_IC, SP_NONE, 0},
	{"attorney", KW_IC, R_IC, SP_NONE, 0},
	{"auditor", KW_IC, R_IC, SP_NONE, 0},
	{"avp", KW_ROLE, R_VP, SP_NONE, 0},
	{"banker", KW_IC, R_IC, SP_NONE, 0},
	{"barista", KW_IC, R_IC, SP_NONE, 0},
	{"bartender", KW_IC, R_IC, SP_NONE, 0},
	{"bdr", KW_IC, R_IC, SP_NONE, 0},
	{"board", KW_MOD, R_NONE, SP_BOARD, 0},
	{"bookkeeper", KW_IC, R_IC, SP_NONE, 0},
	{"broker", KW_IC, R_IC, SP_NONE, 0},
	{"business", KW_MOD, R_NONE, SP_BUSINESS, 0},
	{"buyer", KW_IC, R_IC, SP_NONE, 0},
	{"c", KW_MOD, R_NONE, SP_C, 0},
	{"caio", KW_ROLE, R_C, SP_NONE, 0},
	{"candidate", KW_IC, R_IC, SP_NONE, 0},
	{"cao", KW_ROLE, R_C, SP_NONE, 0},
	{"caregiver", KW_IC, R_IC, SP_NONE, 0},
	{"carpenter", KW_IC, R_IC, SP_NONE, 0},
	{"cashier", KW_IC, R_IC, SP_NONE, 0},
	{"cbo", KW_ROLE, R_C, SP_NONE, 0},
	{"cco", KW_ROLE, R_C, SP_NONE, 0},
	{"cdao", KW_ROLE, R_C, SP_NONE, 0},
	{"cdo", KW_ROLE, R_C, SP_NONE, 0},
	{"ceo", KW_ROLE, R_C, SP_NONE, 0},
	{"cfo", KW_ROLE, R_C, SP_NONE, 0},
	{"cgo", KW_ROLE, R_C, SP_NONE, 0},
	{"chair", KW_ROLE, R_C, SP_NONE, 0},
	{"chairman", KW_ROLE, R_C, SP_NONE, 0},
	{"chairperson", KW_ROLE, R_C, SP_NONE, 0},
	{"chairwoman", KW_ROLE, R_C, SP_NONE, 0},
	{"chef", KW_IC, R_IC, SP_NONE, 0},
	{"chief", KW_WEAK, R_DIR, SP_CHIEF, 0},
	{"chro", KW_ROLE, R_C, SP_NONE, 0},
	{"cio", KW_ROLE, R_C, SP_NONE, 0},
	{"ciso", KW_ROLE, R_C, SP_NONE, 0},
	{"clerk", KW_IC, R_IC, SP_NONE, 0},
	{"clinician", KW_IC, R_IC, SP_NONE, 0},
	{"clo", KW_ROLE, R_C, SP_NONE, 0},
	{"cmo", KW_ROLE, R_C, SP_NONE, 0},
	{"cna", KW_IC, R_IC, SP_NONE, 0},
	{"cno", KW_ROLE, R_C, SP_NONE, 0},
	{"coach", KW_IC, R_IC, SP_NONE, 0},
	{"cofounder", KW_ROLE, R_C, SP_NONE, 0},
	{"comptroller", KW_ROLE, R_DIR, SP_NONE, 0},
	{"consultant", KW_IC, R_IC, SP_NONE, 0},
	{"content", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"contractor", KW_IC, R_IC, SP_NONE, 0},
	{"control", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"controller", KW_ROLE, R_DIR, SP_NONE, 0},
	{"coo", KW_ROLE, R_C, SP_NONE, 0},
	{"cook", KW_IC, R_IC, SP_NONE, 0},
	{"coord", KW_IC, R_IC, SP_NONE, 0},
	{"coordinator", KW_IC, R_IC, SP_NONE, 0},
	{"copywriter", KW_IC, R_IC, SP_NONE, 0},
	{"counsel", KW_IC, R_IC, SP_COUNSEL, 0},
	{"counsellor", KW_IC, R_IC, SP_NONE, 0},
	{"counselor", KW_IC, R_IC, SP_NONE, 0},
	{"cpa", KW_IC, R_IC, SP_NONE, 0},
	{"cpo", KW_ROLE, R_C, SP_NONE, 0},
	{"cpto", KW_ROLE, R_C, SP_NONE, 0},
	{"cro", KW_ROLE, R_C, SP_NONE, 0},
	{"cso", KW_ROLE, R_C, SP_NONE, 0},
	{"cto", KW_ROLE, R_C, SP_NONE, 0},
	{"custodian", KW_IC, R_IC, SP_NONE, 0},
	{"cxo", KW_ROLE, R_C, SP_NONE, 0},
	{"data", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"dba", KW_IC, R_IC, SP_NONE, 0},
	{"dentist", KW_IC, R_IC, SP_NONE, 0},
	{"deputy", KW_MOD, R_NONE, SP_NONE, F_JUNIOR},
	{"designer", KW_IC, R_IC, SP_NONE, 0},
	{"dev", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"developer", KW_IC, R_IC, SP_NONE, 0},
	{"dir", KW_ROLE, R_DIR, SP_DIRECTOR, 0},
	{"director", KW_ROLE, R_DIR, SP_DIRECTOR, 0},
	{"directors", KW_MOD, R_NONE, SP_DIRECTORS, 0},
	{"dispatcher", KW_IC, R_IC, SP_NONE, 0},
	{"doctor", KW_IC, R_IC, SP_NONE, 0},
	{"driver", KW_IC, R_IC, SP_NONE, 0},
	{"ea", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"economist", KW_IC, R_IC, SP_NONE, 0},
	{"editor", KW_IC, R_IC, SP_NONE, 0},
	{"electrician", KW_IC, R_IC, SP_NONE, 0},
	{"employee", KW_IC, R_IC, SP_NONE, 0},
	{"engineer", KW_IC, R_IC, SP_NONE, 0},
	{"engr", KW_IC, R_IC, SP_NONE, 0},
	{"entrepreneur", KW_ROLE, R_C, SP_NONE, 0},
	{"equity", KW_MOD, R_NONE, SP_GRADE, 0},
	{"estimator", KW_IC, R_IC, SP_NONE, 0},
	{"evangelist", KW_IC, R_IC, SP_NONE, 0},
	{"evp", KW_ROLE, R_VP, SP_NONE, 0},
	{"examiner", KW_IC, R_IC, SP_NONE, 0},
	{"exec", KW_IC, R_IC, SP_EXECUTIVE, 0},
	{"executive", KW_IC, R_IC, SP_EXECUTIVE, 0},
	{"expert", KW_IC, R_IC, SP_NONE, 0},
	{"feature", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"fellow", KW_IC, R_IC, SP_NONE, 0},
	{"for", KW_OF, R_NONE, SP_NONE, 0},
	{"foreman", KW_ROLE, R_MGR, SP_NONE, 0},
	{"founder", KW_ROLE, R_C, SP_NONE, 0},
	{"founding", KW_MOD, R_NONE, SP_GRADE, 0},
	{"freelance", KW_IC, R_IC, SP_NONE, 0},
	{"freelancer", KW_IC, R_IC, SP_NONE, 0},
	{"gen", KW_MOD, R_NONE, SP_GEN, 0},
	{"general", KW_MOD, R_NONE, SP_GENERAL, 0},
	{"generalist", KW_IC, R_IC, SP_NONE, 0},
	{"generation", KW_MOD, R_NONE, SP_GEN, 0},
	{"gm", KW_ROLE, R_DIR, SP_NONE, 0},
	{"go", KW_MOD, R_NONE, SP_GO, 0},
	{"graduate", KW_IC, R_IC, SP_NONE, 0},
	{"gvp", KW_ROLE, R_VP, SP_NONE, 0},
	{"head", KW_WEAK, R_DIR, SP_HEAD, 0},
	{"headhunter", KW_IC, R_IC, SP_NONE, 0},
	{"housekeeper", KW_IC, R_IC, SP_NONE, 0},
	{"hygienist", KW_IC, R_IC, SP_NONE, 0},
	{"illustrator", KW_IC, R_IC, SP_NONE, 0},
	{"in", KW_AT, R_NONE, SP_NONE, 0},
	{"inspector", KW_IC, R_IC, SP_NONE, 0},
	{"instructor", KW_IC, R_IC, SP_NONE, 0},
	{"interim", KW_MOD, R_NONE, SP_GRADE, 0},
	{"intern", KW_IC, R_IC, SP_NONE, 0},
	{"internship", KW_IC, R_IC, SP_NONE, 0},
	{"interpreter", KW_IC, R_IC, SP_NONE, 0},
	{"investigator", KW_IC, R_IC, SP_NONE, 0},
	{"janitor", KW_IC, R_IC, SP_NONE, 0},
	{"journalist", KW_IC, R_IC, SP_NONE, 0},
	{"jr", KW_MOD, R_NONE, SP_GRADE, 0},
	{"junior", KW_MOD, R_NONE, SP_GRADE, 0},
	{"laborer", KW_IC, R_IC, SP_NONE, 0},
	{"lawyer", KW_IC, R_IC, SP_NONE, 0},
	{"lead", KW_WEAK, R_MGR, SP_LEAD, 0},
	{"leader", KW_WEAK, R_MGR, SP_LEADER, 0},
	{"lecturer", KW_IC, R_IC, SP_NONE, 0},
	{"level", KW_MOD, R_NONE, SP_LEVEL, 0},
	{"liaison", KW_IC, R_IC, SP_NONE, 0},
	{"librarian", KW_IC, R_IC, SP_NONE, 0},
	{"lpn", KW_IC, R_IC, SP_NONE, 0},
	{"machinist", KW_IC, R_IC, SP_NONE, 0},
	{"manager", KW_ROLE, R_MGR, SP_MANAGER, 0},
	{"managing", KW_MOD, R_NONE, SP_MANAGING, 0},
	{"marketer", KW_IC, R_IC, SP_NONE, 0},
	{"master", KW_IC, R_IC, SP_NONE, 0},
	{"md", KW_ROLE, R_C, SP_NONE, 0},
	{"mechanic", KW_IC, R_IC, SP_NONE, 0},
	{"member", KW_IC, R_IC, SP_MEMBER, F_WEAK},
	{"mgr", KW_ROLE, R_MGR, SP_MANAGER, 0},
	{"mngr", KW_ROLE, R_MGR, SP_MANAGER, 0},
	{"non", KW_MOD, R_NONE, SP_NON, 0},
	{"nurse", KW_IC, R_IC, SP_NONE, 0},
	{"of", KW_OF, R_NONE, SP_NONE, 0},
	{"office", KW_MOD, R_NONE, SP_OFFICE, 0},
	{"officer", KW_IC, R_IC, SP_OFFICER, 0},
	{"operating", KW_MOD, R_NONE, SP_GRADE, 0},
	{"operator", KW_IC, R_IC, SP_NONE, 0},
	{"or", KW_CONJ, R_NONE, SP_NONE, 0},
	{"owner", KW_ROLE, R_C, SP_OWNER, 0},
	{"pa", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"paralegal", KW_IC, R_IC, SP_NONE, 0},
	{"paramedic", KW_IC, R_IC, SP_NONE, 0},
	{"partner", KW_ROLE, R_C, SP_PARTNER, 0},
	{"pharmacist", KW_IC, R_IC, SP_NONE, 0},
	{"photographer", KW_IC, R_IC, SP_NONE, 0},
	{"physician", KW_IC, R_IC, SP_NONE, 0},
	{"pilot", KW_IC, R_IC, SP_NONE, 0},
	{"planner", KW_IC, R_IC, SP_NONE, 0},
	{"platform", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"plumber", KW_IC, R_IC, SP_NONE, 0},
	{"pm", KW_ROLE, R_MGR, SP_NONE, 0},
	{"postdoc", KW_IC, R_IC, SP_NONE, 0},
	{"practitioner", KW_IC, R_IC, SP_NONE, 0},
	{"pres", KW_ROLE, R_C, SP_PRESIDENT, 0},
	{"president", KW_ROLE, R_C, SP_PRESIDENT, 0},
	{"principal", KW_WEAK, R_DIR, SP_PRINCIPAL, 0},
	{"process", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"producer", KW_IC, R_IC, SP_NONE, 0},
	{"product", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"professor", KW_IC, R_IC, SP_NONE, 0},
	{"programmer", KW_IC, R_IC, SP_NONE, 0},
	{"proprietor", KW_ROLE, R_C, SP_NONE, 0},
	{"psychologist", KW_IC, R_IC, SP_NONE, 0},
	{"qa", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"receptionist", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"recruiter", KW_IC, R_IC, SP_NONE, 0},
	{"rep", KW_IC, R_IC, SP_NONE, 0},
	{"reporter", KW_IC, R_IC, SP_NONE, 0},
	{"representative", KW_IC, R_IC, SP_NONE, 0},
	{"researcher", KW_IC, R_IC, SP_NONE, 0},
	{"risk", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"rn", KW_IC, R_IC, SP_NONE, 0},
	{"rvp", KW_ROLE, R_VP, SP_NONE, 0},
	{"salesman", KW_IC, R_IC, SP_NONE, 0},
	{"salesperson", KW_IC, R_IC, SP_NONE, 0},
	{"saleswoman", KW_IC, R_IC, SP_NONE, 0},
	{"scheduler", KW_IC, R_IC, SP_NONE, 0},
	{"scholar", KW_IC, R_IC, SP_NONE, 0},
	{"scientist", KW_IC, R_IC, SP_NONE, 0},
	{"sde", KW_IC, R_IC, SP_NONE, 0},
	{"sdr", KW_IC, R_IC, SP_NONE, 0},
	{"secretary", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"senior", KW_MOD, R_NONE, SP_GRADE, 0},
	{"service", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"snr", KW_MOD, R_NONE, SP_GRADE, 0},
	{"solicitor", KW_IC, R_IC, SP_NONE, 0},
	{"sourcer", KW_IC, R_IC, SP_NONE, 0},
	{"specialist", KW_IC, R_IC, SP_NONE, 0},
	{"sr", KW_MOD, R_NONE, SP_GRADE, 0},
	{"sre", KW_IC, R_IC, SP_NONE, 0},
	{"staff", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"strategist", KW_IC, R_IC, SP_NONE, 0},
	{"student", KW_IC, R_IC, SP_NONE, 0},
	{"suite", KW_MOD, R_NONE, SP_LEVEL, 0},
	{"superintendent", KW_ROLE, R_MGR, SP_NONE, 0},
	{"supervisor", KW_ROLE, R_MGR, SP_NONE, 0},
	{"surgeon", KW_IC, R_IC, SP_NONE, 0},
	{"svp", KW_ROLE, R_VP, SP_NONE, 0},
	{"swe", KW_IC, R_IC, SP_NONE, 0},
	{"system", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"teacher", KW_IC, R_IC, SP_NONE, 0},
	{"teamlead", KW_ROLE, R_MGR, SP_NONE, 0},
	{"teamleader", KW_ROLE, R_MGR, SP_NONE, 0},
	{"tech", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"technical", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"technician", KW_IC, R_IC, SP_NONE, 0},
	{"teller", KW_IC, R_IC, SP_NONE, 0},
	{"tester", KW_IC, R_IC, SP_NONE, 0},
	{"the", KW_STOP, R_NONE, SP_NONE, 0},
	{"therapist", KW_IC, R_IC, SP_NONE, 0},
	{"to", KW_TO, R_NONE, SP_NONE, 0},
	{"trainee", KW_IC, R_IC, SP_NONE, 0},
	{"trainer", KW_IC, R_IC, SP_NONE, 0},
	{"translator", KW_IC, R_IC, SP_NONE, 0},
	{"tutor", KW_IC, R_IC, SP_NONE, 0},
	{"underwriter", KW_IC, R_IC, SP_NONE, 0},
	{"venture", KW_MOD, R_NONE, SP_GRADE, 0},
	{"vice", KW_MOD, R_NONE, SP_VICE, 0},
	{"vicepresident", KW_ROLE, R_VP, SP_NONE, 0},
	{"volunteer", KW_IC, R_IC, SP_NONE, 0},
	{"vp", KW_ROLE, R_VP, SP_NONE, 0},
	{"waiter", KW_IC, R_IC, SP_NONE, 0},
	{"waitress", KW_IC, R_IC, SP_NONE, 0},
	{"webmaster", KW_IC, R_IC, SP_NONE, 0},
	{"welder", KW_IC, R_IC, SP_NONE, 0},
	{"worker", KW_IC, R_IC, SP_NONE, 0},
	{"writer", KW_IC, R_IC, SP_NONE, 0},
};

#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

static int
keyword_cmp(const void *key, const void *entry)
{
	return strcmp((const char *) key, ((const Keyword *) entry)->word);
}

static const Keyword *
lookup(const char *word)
{
	return bsearch(word, keywords, N_KEYWORDS, sizeof(Keyword), keyword_cmp);
}

/*
 * Tokenizer
 */

/* What one character (one byte, or one recognized UTF-8 mark) is. */
typedef enum CharClass
{
	CC_WORD,					/* part of a word */
	CC_SPACE,					/* separates words, nothing more */
	CC_HYPHEN,					/* joins two words, or a separator */
	CC_APOSTROPHE,				/* 's, or like CC_SPACE */
	CC_SEPARATOR,
	CC_CONJUNCTION,
	CC_AT
} CharClass;

static bool
is_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z');
}

/*
 * The class of the character at p, p < end; *len is set to its length in
 * bytes.  Reads nothing at or past end.
 */
static CharClass
char_class(const unsigned char *p, const unsigned char *end, size_t *len)
{
	unsigned char c = p[0];

	*len = 1;
	if (c < 0x80)
	{
		if (is_ascii_alnum(c))
			return CC_WORD;
		switch (c)
		{
			case ',':
			case ';':
			case ':':
			case '|':
			case '(':
			case ')':
			case '[':
			case ']':
			case '{':
			case '}':
			case '\n':
			case '\r':
				return CC_SEPARATOR;
			case '&':
			case '+':
			case '/':
				return CC_CONJUNCTION;
			case '@':
				return CC_AT;
			case '-':
				return CC_HYPHEN;
			case '\'':
			case '`':
				return CC_APOSTROPHE;
			default:
				return CC_SPACE;	/* blanks, NUL, controls, . " ! # ... */
		}
	}
	/* U+00A0 no-break space, U+00B7 middle dot */
	if (c == 0xC2 && end - p >= 2 && (p[1] == 0xA0 || p[1] == 0xB7))
	{
		*len = 2;
		return p[1] == 0xA0 ? CC_SPACE : CC_SEPARATOR;
	}
	/* U+2000 to U+207F: Unicode spaces, hyphens, dashes, quotes, bullets */
	if (c == 0xE2 && end - p >= 3 && (p[1] == 0x80 || p[1] == 0x81) &&
		(p[2] & 0xC0) == 0x80)
	{
		unsigned int cp = 0x2000 | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);

		*len = 3;
		switch (cp)
		{
			case 0x2010:		/* hyphen */
			case 0x2011:		/* non-breaking hyphen */
				return CC_HYPHEN;
			case 0x2012:		/* figure dash */
			case 0x2013:		/* en dash */
			case 0x2014:		/* em dash */
			case 0x2015:		/* horizontal bar */
			case 0x2022:		/* bullet */
			case 0x2023:		/* triangular bullet */
			case 0x2028:		/* line separator */
			case 0x2029:		/* paragraph separator */
			case 0x2043:		/* hyphen bullet */
				return CC_SEPARATOR;
			case 0x2018:		/* left single quotation mark */
			case 0x2019:		/* right single quotation mark */
			case 0x201B:		/* single high-reversed-9 quotation mark */
				return CC_APOSTROPHE;
			case 0x2044:		/* fraction slash */
				return CC_CONJUNCTION;
			default:
				return CC_SPACE;
		}
	}
	/* U+3000 ideographic space */
	if (c == 0xE3 && end - p >= 3 && p[1] == 0x80 && p[2] == 0x80)
	{
		*len = 3;
		return CC_SPACE;
	}
	return CC_WORD;				/* any other byte >= 0x80: a letter */
}

static bool
word_starts_at(const unsigned char *p, const unsigned char *end)
{
	size_t		len;

	return p < end && char_class(p, end, &len) == CC_WORD;
}

typedef enum TokenKind
{
	TK_END,
	TK_WORD,					/* keyword set, NULL for an unknown word */
	TK_SEPARATOR,
	TK_CONJUNCTION,
	TK_AT,
	TK_POSSESSIVE				/* 's */
} TokenKind;

typedef struct Tokenizer
{
	const unsigned char *p;
	const unsigned char *end;
	bool		after_word;		/* the last character read ended a word */
} Tokenizer;

static char
ascii_lower(unsigned char c)
{
	return (char) ((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
}

/* Reads the word at tz->p, which starts one. */
static TokenKind
read_word(Tokenizer *tz, const Keyword **keyword)
{
	char		word[WORD_MAX + 1];
	size_t		n = 0;
	bool		too_long = false;
	const unsigned char *start = tz->p;
	const unsigned char *end = tz->end;

	while (word_starts_at(tz->p, end))
	{
		/* every CC_WORD character is one byte */
		if (n < WORD_MAX)
			word[n++] = ascii_lower(*tz->p);
		else
			too_long = true;
		tz->p++;
	}

	/*
	 * Single letters joined by dots, with at most one space after each dot,
	 * are one word: "C.E.O.", "S.V.P", "V. P.".
	 */
	if (tz->p - start == 1 && is_ascii_alnum(*start))
	{
		for (;;)
		{
			const unsigned char *q = tz->p;

			if (q >= end || *q != '.')
				break;
			q++;
			if (q < end && *q == ' ')
				q++;
			if (q >= end || !is_ascii_alnum(*q) || word_starts_at(q + 1, end))
				break;
			if (n < WORD_MAX)
				word[n++] = ascii_lower(*q);
			else
				too_long = true;
			tz->p = q + 1;
		}
	}

	word[n] = '\0';
	tz->after_word = true;
	*keyword = too_long ? NULL : lookup(word);
	return TK_WORD;
}

/* The next token; *keyword is set for a TK_WORD. */
static TokenKind
next_token(Tokenizer *tz, const Keyword **keyword)
{
	while (tz->p < tz->end)
	{
		size_t		len;
		CharClass	cc = char_class(tz->p, tz->end, &len);
		bool		after_word = tz->after_word;
		const unsigned char *next = tz->p + len;

		if (cc == CC_WORD)
			return read_word(tz, keyword);
		tz->p = next;
		tz->after_word = false;
		switch (cc)
		{
			case CC_WORD:		/* handled above */
			case CC_SPACE:
				break;
			case CC_HYPHEN:
				/* "Co-Founder" is one role, "SVP - Sales" two */
				if (!(after_word && word_starts_at(next, tz->end)))
					return TK_SEPARATOR;
				break;
			case CC_APOSTROPHE:
				if (after_word && next < tz->end &&
					(*next == 's' || *next == 'S') &&
					!word_starts_at(next + 1, tz->end))
				{
					tz->p = next + 1;
					return TK_POSSESSIVE;
				}
				break;
			case CC_SEPARATOR:
				return TK_SEPARATOR;
			case CC_CONJUNCTION:
				return TK_CONJUNCTION;
			case CC_AT:
				return TK_AT;
		}
	}
	return TK_END;
}

/*
 * Classifier
 */

/* Pending weak leadership words of the current role */
#define P_HEAD		0x01u
#define P_CHIEF		0x02u
#define P_PRINCIPAL	0x04u
#define P_LEAD		0x08u

/* Modifiers seen in the current role */
#define M_VICE		0x001u
#define M_MANAGING	0x002u
#define M_GENERAL	0x004u
#define M_NON_EXEC	0x008u
#define M_BOARD		0x010u
#define M_BUSINESS	0x020u
#define M_OWNER_SCOPE 0x040u
#define M_C_SUITE	0x080u
#define M_JUNIOR	0x100u
#define M_DOMAIN	0x200u		/* an unknown word, or a domain ("Talent") */

/* The role being read: the words since the last separator. */
typedef struct Role
{
	int			rank;			/* of the last role word, R_NONE if none */
	bool		dependent;		/* that word is assistant-like */
	unsigned int pending;		/* P_* not yet followed by a role word */
	unsigned int modifiers;		/* M_* */
	Special		last;			/* the last word other than a, an, the */
} Role;

typedef enum Mode
{
	MODE_ROLE,					/* words make a role */
	MODE_OBJECT,				/* words name no role, up to a separator */
	MODE_REST					/* words name no role, to the end */
} Mode;

typedef struct Classifier
{
	int			best;			/* most senior rank of a role read */
	Mode		mode;
	Role		role;
	Special		previous;		/* the previous word, or SP_NONE after a
								 * separator */
	bool		chief;			/* a Chief awaits its Officer */
	Special		object_of;		/* MODE_OBJECT/REST: the role's last word */
	bool		object_started; /* a word of the object was read */
} Classifier;

static void
role_reset(Role *role)
{
	memset(role, 0, sizeof(*role));
	role->rank = R_NONE;
	role->last = SP_NONE;
}

static void
role_set(Role *role, int rank, bool dependent)
{
	role->rank = rank;
	role->dependent = dependent;
	role->pending = 0;
}

static int
role_rank(const Role *role)
{
	int			pending = R_NONE;

	if (role->pending & (P_HEAD | P_CHIEF | P_PRINCIPAL))
		pending = R_DIR;
	else if (role->pending & P_LEAD)
		pending = R_MGR;
	return role->rank > pending ? role->rank : pending;
}

/* Ends the current role; returns its rank. */
static int
end_role(Classifier *cl)
{
	int			rank = role_rank(&cl->role);

	if (rank > cl->best)
		cl->best = rank;
	/* "Executive Assistant, CEO Office": the rest is someone else */
	if (cl->role.dependent && rank == R_IC)
		cl->mode = MODE_REST;
	cl->object_of = cl->role.last;
	role_reset(&cl->role);
	cl->previous = SP_NONE;
	return rank;
}

static void
start_object(Classifier *cl, Mode mode)
{
	if (mode > cl->mode)
		cl->mode = mode;
	cl->object_started = false;
	cl->chief = false;
}

/* A word of an object: only "Member of the Board" and "Board of Directors" */
static void
object_word(Classifier *cl, const Keyword *kw)
{
	Special		sp = kw ? (Special) kw->special : SP_NONE;

	if (kw && kw->kind == KW_STOP)
		return;
	if (!cl->object_started &&
		((cl->object_of == SP_MEMBER && sp == SP_BOARD) ||
		 (cl->object_of == SP_BOARD && sp == SP_DIRECTORS)))
		cl->best = R_C;
	cl->object_started = true;
}

/* A word of a role. */
static void
role_word(Classifier *cl, const Keyword *kw)
{
	Role	   *role = &cl->role;
	Special		previous = cl->previous;
	Special		sp;
	int			rank;

	if (kw == NULL)
	{
		role->modifiers |= M_DOMAIN;
		role->last = cl->previous = SP_NONE;
		return;
	}
	sp = (Special) kw->special;
	role->last = cl->previous = sp;
	if (kw->flags & F_JUNIOR)
		role->modifiers |= M_JUNIOR;

	switch ((KeywordKind) kw->kind)
	{
		case KW_MOD:
			switch (sp)
			{
				case SP_VICE:
					role->modifiers |= M_VICE;
					break;
				case SP_MANAGING:
					role->modifiers |= M_MANAGING;
					break;
				case SP_GENERAL:
					role->modifiers |= M_GENERAL;
					break;
				case SP_BOARD:
					role->modifiers |= M_BOARD;
					break;
				case SP_BUSINESS:
					role->modifiers |= M_BUSINESS | M_DOMAIN;
					break;
				case SP_OWNER_SCOPE:
					role->modifiers |= M_OWNER_SCOPE | M_DOMAIN;
					break;
				case SP_OFFICE:
					/* "CEO Office": a place, like "CEO's Office" */
					if (role->rank != R_NONE || role->pending)
						role_reset(role);
					break;
				case SP_LEVEL:
					if (previous == SP_C)
					{
						role->modifiers |= M_C_SUITE;
						role_set(role, R_C, false);
					}
					break;
				case SP_GEN:
					if (previous == SP_LEAD)
						role->pending &= ~P_LEAD;
					break;
				default:
					break;
			}
			return;

		case KW_ROLE:
			rank = kw->rank;
			switch (sp)
			{
				case SP_PRESIDENT:
					if (role->modifiers & M_VICE)
						rank = R_VP;
					break;
				case SP_DIRECTOR:
					if (role->modifiers & (M_MANAGING | M_BOARD | M_NON_EXEC))
						rank = R_C;
					break;
				case SP_MANAGER:
					if (role->modifiers & M_GENERAL)
						rank = R_DIR;
					break;
				case SP_PARTNER:
					/* "Talent Partner", "HR Business Partner" */
					if (role->modifiers & M_DOMAIN)
						rank = R_IC;
					else if (role->modifiers & M_JUNIOR)
						rank = R_DIR;
					break;
				case SP_OWNER:
					if (role->modifiers & M_OWNER_SCOPE)
						rank = R_IC;
					break;
				default:
					break;
			}
			role_set(role, rank, false);
			return;

		case KW_WEAK:
			switch (sp)
			{
				case SP_HEAD:
					role->pending |= P_HEAD;
					break;
				case SP_CHIEF:
					role->pending |= P_CHIEF;
					cl->chief = true;
					break;
				case SP_PRINCIPAL:
					role->pending |= P_PRINCIPAL;
					break;
				default:
					role->pending |= P_LEAD;
					break;
			}
			return;

		case KW_IC:
			switch (sp)
			{
				case SP_OFFICER:
					if (cl->chief)
					{
						cl->chief = false;
						role_set(role, R_C, false);
						return;
					}
					break;
				case SP_EXECUTIVE:
					if (previous == SP_NON)
					{
						role->modifiers |= M_NON_EXEC;
						return;
					}
					if (role->modifiers & M_C_SUITE || role->pending & P_CHIEF)
					{
						role_set(role, R_C, false);
						return;
					}
					break;
				case SP_COUNSEL:
					if (role->modifiers & M_GENERAL)
					{
						role_set(role, role->modifiers & M_JUNIOR ? R_DIR : R_C, false);
						return;
					}
					break;
				case SP_MEMBER:
					if (role->modifiers & M_BOARD)
					{
						role_set(role, R_C, false);
						return;
					}
					break;
				default:
					break;
			}
			if ((kw->flags & F_WEAK) && (role->rank != R_NONE || role->pending))
				return;			/* "VP Admin" */
			if (role->pending & P_HEAD)
				role_set(role, R_MGR, false);	/* "Head Chef" */
			else if (role->pending & P_CHIEF)
			{
				role_set(role, R_DIR, false);	/* "Chief Architect" */
				cl->chief = false;
			}
			else
				role_set(role, R_IC, (kw->flags & F_DEPENDENT) != 0);
			return;

		case KW_STOP:
		case KW_CONJ:
		case KW_AT:
		case KW_OF:
		case KW_TO:
			break;				/* handled by the caller */
	}
}

static const LqSeniority rank_level[] = {
	[R_NONE] = LQ_SENIORITY_UNKNOWN,
	[R_IC] = LQ_SENIORITY_INDIVIDUAL_CONTRIBUTOR,
	[R_MGR] = LQ_SENIORITY_MANAGER,
	[R_DIR] = LQ_SENIORITY_DIRECTOR,
	[R_VP] = LQ_SENIORITY_VP,
	[R_C] = LQ_SENIORITY_C_LEVEL
};

LqSeniority
lq_classify_title(const char *title, size_t length)
{
	Tokenizer	tz;
	Classifier	cl;
	TokenKind	token;
	const Keyword *kw = NULL;

	if (title == NULL || length == 0)
		return LQ_SENIORITY_UNKNOWN;

	tz.p = (const unsigned char *) title;
	tz.end = tz.p + length;
	tz.after_word = false;
	memset(&cl, 0, sizeof(cl));
	cl.best = R_NONE;
	cl.mode = MODE_ROLE;
	cl.previous = SP_NONE;
	cl.object_of = SP_NONE;
	role_reset(&cl.role);

	while ((token = next_token(&tz, &kw)) != TK_END)
	{
		if (token == TK_WORD && kw != NULL)
		{
			/* "and", "or", "at" and "in" are the same as &, / and @ */
			if (kw->kind == KW_CONJ)
				token = TK_CONJUNCTION;
			else if (kw->kind == KW_AT)
				token = TK_AT;
			/* the "to" of "go to market" is an ordinary word */
			else if (kw->kind == KW_TO && cl.previous == SP_GO)
				kw = NULL;
		}

		switch (token)
		{
			case TK_END:		/* not reached */
				break;
			case TK_SEPARATOR:
			case TK_CONJUNCTION:
				if (cl.mode == MODE_ROLE)
					end_role(&cl);
				else if (cl.mode == MODE_OBJECT)
					cl.mode = MODE_ROLE;
				cl.previous = SP_NONE;
				if (token == TK_SEPARATOR)
					cl.chief = false;
				break;
			case TK_AT:
				if (cl.mode == MODE_ROLE)
					end_role(&cl);
				start_object(&cl, MODE_OBJECT);
				break;
			case TK_POSSESSIVE:
				/* "Director's Assistant": forget the director */
				if (cl.mode == MODE_ROLE)
				{
					role_reset(&cl.role);
					cl.chief = false;
				}
				cl.previous = SP_NONE;
				break;
			case TK_WORD:
				if (kw && kw->kind == KW_STOP)
					break;
				if (kw && (kw->kind == KW_OF || kw->kind == KW_TO))
				{
					if (cl.mode == MODE_ROLE)
					{
						int			rank = end_role(&cl);
						bool		rest = kw->kind == KW_TO ? rank <= R_IC : rank == R_IC;

						start_object(&cl, rest ? MODE_REST : MODE_OBJECT);
					}
					else if (kw->kind == KW_TO && cl.mode == MODE_OBJECT)
						cl.mode = MODE_REST;	/* "Chief of Staff to the CEO" */
					break;
				}
				if (cl.mode == MODE_ROLE)
					role_word(&cl, kw);
				else
				{
					object_word(&cl, kw);
					cl.previous = kw ? (Special) kw->special : SP_NONE;
				}
				break;
		}
	}
	if (cl.mode == MODE_ROLE)
		end_role(&cl);
	return rank_level[cl.best];
}

static const char *const seniority_names[LQ_SENIORITY_COUNT] = {
	"c_level", "vp", "director", "manager", "individual_contributor", "unknown"
};

const char *
lq_seniority_name(LqSeniority level)
{
	if ((int) level < 0 || level >= LQ_SENIORITY_COUNT)
		return NULL;
	return seniority_names[level];
}
