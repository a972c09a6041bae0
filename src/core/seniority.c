/*
 * seniority.c
 *		The seniority of a job title, in plain C.
 *
 * Reading a title
 * ---------------
 * The title is a run of bytes, not a C string: NULs, invalid UTF-8 and
 * anything else may appear, and nothing past the given length is read.  It
 * is cut into words of letters and digits, lowercased (ASCII only, so no
 * locale is involved).  The accented Latin letters of UTF-8 (U+00C0 to
 * U+00FF, and œ) are read as their ASCII letters: "Geschäftsführer" reads
 * "geschaftsfuhrer", "Président" "president", "ß" "ss", "æ" "ae".  Any other
 * byte >= 0x80 is a letter too, which matches nothing, so a word in another
 * script stays one unknown word; the only exceptions are a few UTF-8
 * punctuation marks that appear in pasted titles: no-break and other
 * Unicode spaces, the Unicode hyphens and dashes, the curly apostrophes,
 * the bullet and the middle dot.  Everything else that is not a letter or a
 * digit separates words, and some separators also mean something:
 *
 *   , ; : | ( ) [ ] { } newline, a dash or a spaced hyphen ("SVP - Sales"),
 *   a bullet                    end one role and begin another
 *   & + / "and" "or" (und, et,  the same, except that they do not end a
 *   y)                          "Chief ... Officer" ("Chief Data & Analytics
 *                               Officer")
 *   @ "at" "in" (bei, chez,     what follows (a company, a place) names no
 *   bij)                        role, up to the next separator
 *   "of" "for"                  the same ("Director of Sales"); after a
 *                               role below manager, to the end (see traps)
 *   de, du, des, d', del, do,   the same, but only after a role word of
 *   da, dos, das, der, van,     their role: elsewhere they are ordinary
 *   para, pour, für, voor       words ("De Beers Analyst", "Van Driver")
 *   "to"                        after a role that is not a manager or above,
 *                               or no role, the rest of the title names no
 *                               role ("Assistant to the CEO"); "go to market"
 *                               is not a "to"
 *   "now", "currently",         what follows is what the person is now: the
 *   "turned"                    level is read from it alone, unless it names
 *                               no role ("Ex-CEO now Advisor", "Engineer
 *                               turned Founder", but "CEO, now hiring")
 *   's (also ’s)                what came before it owns what follows and is
 *                               forgotten ("Director's Assistant"); so does a
 *                               role followed by "Office" ("CEO Office")
 *   a hyphen between two words, a dot, spaces, other punctuation: nothing
 *                               ("Co-Founder", "Sr. Manager", "Vice-President")
 *
 * Single letters joined by dots are one word: "C.E.O." and "V. P." read as
 * "ceo" and "vp".  Two to four single letters joined by single spaces, a
 * run of its own, are one word too when together they are a role's
 * abbreviation ("V P", "C E O", "S V P", "E V P"; not "J P Morgan", nor
 * "A B C D E").  French elision is read: "d'équipe" is "d'" + "equipe".
 *
 * A word is looked up as it is, or by its last part for the closed
 * compounds of German and Dutch ("Vertriebsleiter" as "-leiter",
 * "Accountmanager" as "-manager", "Flugbegleiter" as "-begleiter", not
 * "-leiter"); then, for German, without a feminine "-in" ("Leiterin" as
 * "Leiter", "Vertriebsleiterin" as "-leiter"); then as a typo.
 *
 * Typos: a word of five letters or more that is no word of the tables and
 * is one edit (a letter inserted, deleted or replaced, or two neighbours
 * swapped) from one of the key words in typo_keys[] is that word: "Cheif",
 * "Dirctor", "Mananger", "Presidnet", "Geschäftsfürer".  The key words all
 * have five letters or more, so one edit of a short abbreviation (CEO, VP,
 * MD) is never read as it.  The first letter must be right (typists rarely
 * miss it, and most real words one edit away start differently), and a word
 * that is a word in its own right is not a typo: the key word's plural
 * ("Presidents Club"), and the words of not_typos[] ("directory", "managed",
 * "offices", "owned", "founded", "chainman", "charwoman"...).  Words that
 * no title holds are typos all the same: "Manger" is read as "Manager" (a
 * feeding trough is no job title), "Confounder" as "Cofounder" (as
 * autocorrect writes it).  "Vise", "Vic" and other short words one edit
 * from "vice" are "vice" only right before "President".
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
 * clearly something ("Ninja of Vibes", "Retired", "N/A", "asdf", titles in
 * other scripts): unknown is what lets a scoring rule skip a lead instead of
 * guessing.
 *
 *   title pattern                               level       why
 *   CEO CFO CTO COO CMO CRO CIO CISO CPO CDO    c_level
 *     CHRO CSO CCO CAO CLO CXO CGO CBO CDAO
 *     CAIO CNO CPTO; "C.E.O.", "C E O"
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
 *   Director General, General Director          c_level     the chief executive
 *                                                           (civil service,
 *                                                           translated titles)
 *   Managing Member                             c_level     runs an LLC,
 *                                                           usually its owner
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
 *   VP, V.P., V P, SVP, EVP, AVP, RVP, GVP,     vp          all vice
 *     Vice President, Senior/Executive/                     presidents, banks'
 *     Assistant/Associate Vice President                    AVPs included
 *   Director, Dir., Sr./Senior/Associate/       director
 *     Assistant/Deputy Director, Art Director,
 *     Creative Director
 *   Executive Director                          director    senior director in
 *                                                           companies (a
 *                                                           non-profit's ED is
 *                                                           its CEO, but rarely
 *                                                           a B2B lead)
 *   Head of X, "Head, X", Department Head       director    unless something
 *                                                           more senior is
 *                                                           there too
 *   Head Teacher, Headteacher, Headmaster,      director    heads a school,
 *     Headmistress                                          like a Principal
 *   Head Chef, Head Coach (Head + job word)     manager
 *   Chief of Staff, Chief Architect/Engineer/   director    senior, not
 *     Scientist (Chief + no Officer)                        officers
 *   Editor-in-Chief, Editor in Chief            director    heads the editorial
 *                                                           staff
 *   Principal (alone)                           director    consulting, schools
 *   Principal Engineer/Consultant               individual_contributor
 *   General Manager, GM                         director    runs a business
 *                                                           unit
 *   Controller, Comptroller                     director    heads accounting
 *   Manager, Mgr, Sr. Manager, Assistant        manager     every "...
 *     Manager, Product/Project/Account/                     Manager", for
 *                                                           consistency,
 *     Store/Office Manager, PM                              though many sheets
 *                                                           count product and
 *                                                           account managers
 *                                                           as individuals
 *   Managing Editor                             manager     runs a newsroom day
 *                                                           to day, under the
 *                                                           editor-in-chief
 *   Partner Manager, CEO Office Manager         manager     the last role word
 *                                                           is the head
 *   Supervisor, Foreman, Superintendent         manager
 *   Team Lead, Tech Lead, X Lead, Team Leader   manager     leads people
 *   Lead Engineer/Designer (Lead + job word)    individual_contributor
 *   Lead Generation ...                         not a lead
 *   Engineer, Developer, Analyst, Specialist,   individual_contributor
 *     Coordinator, Associate, Consultant,
 *     Designer, Representative, SDR, BDR, AE,
 *     Accountant, Nurse, Teacher, Chef, Scrum
 *     Master, Intern, Student, Trainee, ...
 *   Account/Sales/Marketing Executive,          individual_contributor
 *     Executive: a sales or junior title (UK), not an executive
 *   Officer without Chief (Compliance Officer)  individual_contributor
 *   Product/Process/Service/Data Owner          individual_contributor
 *   Assistant, Secretary, EA, PA, Aide,         individual_contributor
 *     Receptionist, Admin, Intern
 *
 * False friends, words that look senior and are not:
 *
 *   Head Hunter, Headhunter: a recruiter        individual_contributor
 *   Director (or any role) of First             individual_contributor
 *     Impressions: the receptionist
 *   Funeral Director (also Funeral Home         individual_contributor
 *     Director): a profession (a mortician),
 *     not a rank
 *   Chief Petty Officer, Chief Warrant          individual_contributor
 *     Officer: naval and army ranks, not
 *     officers of a company
 *   Principal Dancer                            individual_contributor
 *   Managing Editor, Editor-in-Chief            manager, director (above)
 *   Managing Member                             c_level (above)
 *
 * "Art Director", "Creative Director", "Casting Director" and the like stay
 * directors: they lead a department or a team of their craft.
 *
 * Modifiers that lower or void a role:
 *
 *   ex-, former, formerly, previously, past,    the role words after it in
 *     aspiring, future, wannabe, prospective    its role count for nothing
 *     (ehemalige(r), ancien(ne), antiguo/a,     ("Ex-CEO now Advisor" is an
 *     antigo/a, voormalig(e), oud)              advisor; "Aspiring CEO",
 *                                               "Former VP" are unknown); a
 *                                               role word before it keeps its
 *                                               role ("Founder ex-Google")
 *   "ex officio", "past due"                    not a former role
 *   retired, ret., emeritus/emerita             the role it is in counts for
 *     (retraité, jubilado/a, aposentado/a,      nothing ("Retired CEO", "CEO
 *     gepensioneerd, pensioniert)               Emeritus"); alone between two
 *                                               separators (so is a lone
 *                                               "former"), it voids the role
 *                                               before it ("CEO (Retired)",
 *                                               "VP Sales (former)", but not
 *                                               "Partner, Formerly at
 *                                               McKinsey"); "semi-retired"
 *                                               voids nothing
 *   trainee before a role word                  at most individual_contributor
 *                                               ("Trainee Manager": a manager
 *                                               in training)
 *   Intern, Internship (and the assistant-like  the head of its role makes the
 *     words, see traps)                         rest of the title someone
 *                                               else's ("Intern, Office of the
 *                                               CEO")
 *
 * Other languages
 * ---------------
 * The common titles of German, French, Spanish, Portuguese and Dutch, with
 * or without their accents, in either gender.  French, Spanish and
 * Portuguese put adjectives after the noun, so "general", "ejecutivo"...
 * after a director are read there ("Directeur général", "Director
 * Ejecutivo").  "(assistant-like)": see the traps.
 *
 * German
 *   c_level     Geschäftsführer(in) (also Geschaeftsfuehrer,
 *               Geschaftsfuhrer), Hauptgeschäftsführer, Vorstand,
 *               Finanzvorstand, Vorstandsvorsitzende(r), Vorsitzende(r),
 *               Vorstandsmitglied, Mitglied des Vorstands/der
 *               Geschäftsleitung, Aufsichtsrat, Inhaber(in), Gründer(in),
 *               Mitgründer, Unternehmer(in), (Geschäftsführender)
 *               Gesellschafter, Partner(in), Präsident(in), Generaldirektor
 *   vp          Vizepräsident(in), Vize-Präsident(in)
 *   director    Leiter(in) X, Leitung X, Abteilungsleiter, Bereichsleiter,
 *               Vertriebsleiter (every "-leiter" and "-leitung" but those
 *               below), Direktor(in), Verkaufsdirektor, Prokurist(in)
 *   manager     Teamleiter, Gruppenleiter, Projektleiter, Schichtleiter,
 *               Filialleiter, Marktleiter, Bauleiter, Lagerleiter,
 *               Teamleitung, Projektleitung, Produktmanager (every
 *               "-manager")
 *   individual  Referent, Sachbearbeiter, Berater, Entwickler, Ingenieur,
 *               Mitarbeiter, Kaufmann/Kauffrau, Techniker, Verkäufer,
 *               Buchhalter, Werkstudent, Azubi, Flugbegleiter;
 *               Assistent(in), Assistenz, Sekretär(in), Praktikant(in)
 *               (assistant-like)
 * French
 *   c_level     PDG, Président-directeur général, DG, DGA,
 *               Directeur/Directrice général(e), Président(e), Gérant(e)
 *               (the legal head of a SARL, usually its owner),
 *               Fondateur/Fondatrice, Cofondateur, Propriétaire, Associé(e)
 *               (a partner; "Directeur associé" too), Membre du conseil
 *   vp          Vice-président(e)
 *   director    Directeur/Directrice (commercial, des ventes, adjoint...)
 *   manager     Responsable X, Chef de projet/produit/service, Chef d'équipe
 *   individual  Ingénieur, Développeur, Chargé(e) de X, Conseiller,
 *               Technicien, Vendeur, Gestionnaire; Assistant(e), Secrétaire,
 *               Stagiaire (assistant-like)
 * Spanish
 *   c_level     Director(a) General, Director(a) Ejecutivo/a, Presidente/a,
 *               Gerente General, Consejero Delegado, Administrador Delegado,
 *               Fundador(a), Cofundador(a), Dueño/a, Propietario/a, Socio/a
 *               (Socio Director, Socio Gerente), Director Gerente, Miembro
 *               del Consejo/Directorio
 *   vp          Vicepresidente/a
 *   director    Director(a), Subdirector(a)
 *   manager     Gerente, Subgerente, Jefe/Jefa (de ventas), Encargado/a,
 *               Responsable, Líder (de proyecto), Supervisora
 *   individual  Coordinador(a), Analista, Ingeniero/a, Desarrollador(a),
 *               Ejecutivo/a (de cuentas), Especialista, Consultor(a),
 *               Vendedor(a), Técnico/a, Contador(a), Abogado/a, Consejero/a;
 *               Asistente, Auxiliar, Secretario/a, Becario/a, Practicante,
 *               Pasante (assistant-like)
 * Portuguese
 *   c_level     Diretor(a)-presidente, Diretor(a) Geral, Diretor(a)
 *               Executivo/a, Presidente, Gerente Geral, Sócio(a)
 *               (Sócio-diretor), Fundador(a), Cofundador(a), Dono/a,
 *               Proprietário/a, Membro do Conselho/da Diretoria
 *   vp          Vice-presidente
 *   director    Diretor(a)
 *   manager     Gerente, Coordenador(a) (first-line management in Brazil,
 *               above the analysts), Supervisor(a), Chefe, Encarregado/a,
 *               Líder
 *   individual  Analista, Engenheiro/a, Desenvolvedor(a), Consultor(a),
 *               Vendedor(a), Técnico/a, Especialista; Assistente, Auxiliar,
 *               Estagiário/a (assistant-like)
 * Dutch
 *   c_level     Algemeen directeur, Directeur-eigenaar, DGA, Bestuurder,
 *               Gedelegeerd bestuurder, Bestuursvoorzitter, Voorzitter,
 *               Eigenaar, Mede-eigenaar, Oprichter, Medeoprichter,
 *               Zaakvoerder, Vennoot, Commissaris, Directie, Lid van de Raad
 *               van Bestuur
 *   director    Directeur, Salesdirecteur (every "-directeur"), Hoofd X,
 *               Afdelingshoofd
 *   manager     Manager, Accountmanager, Teamleider, Projectleider,
 *               Bedrijfsleider (every "-leider"), Leidinggevende
 *   individual  Medewerker, Adviseur, Ontwikkelaar, Verkoper; Stagiair(e),
 *               Secretaresse (assistant-like)
 *
 * Choices: a German "Leiter" is a "Head of" (director), and the "-leiter"
 * of a team, group, project, shift, branch, store, site or warehouse is its
 * manager; an Abteilungsleiter heads a department (director).  "Finance
 * Director", "Directeur financier" and "Diretor Financeiro" stay directors,
 * though in many companies they are the CFO.  A French "Chef" followed by
 * "de"/"d'" runs something (manager); an English Chef cooks.  Other
 * scripts (Cyrillic, CJK...) stay unknown.
 *
 * Traps: an assistant is not the person assisted.  When the head of a role
 * is assistant-like (assistant, secretary, EA, PA, aide, receptionist,
 * admin, intern, and their translations), the rest of the title is about
 * someone else and ignored: "Executive Assistant to the CFO", "Executive
 * Assistant, CEO Office", "EA | CEO & Founder", "Assistent der
 * Geschäftsführung" are individual contributors.  So is any role that is
 * not a manager or above followed by "to", "of" or "for" ("Advisor to the
 * CEO", "Coordinator for the VP").  A possessive is the owner, not the role:
 * "Director's Assistant", "Office Manager's assistant", "CEO's Chief of
 * Staff" (director).  "Assistant Manager", "Assistant Director" and
 * "Assistant Vice President" are the manager, director and vp they name:
 * there "assistant" is a modifier, not the head.
 *
 * Cost: one pass over the bytes, each looked at a bounded number of times
 * (a run of spaced single letters that is no abbreviation is read once
 * more, letter by letter, and none of its letters starts a run again); per
 * word of at most WORD_MAX bytes, a bounded number of binary searches and
 * of comparisons with the compound heads and typo keys.  No allocation, a
 * few hundred bytes of stack, no recursion.  A 1 MB title takes a few
 * milliseconds (seniority_test.c checks it).
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
	KW_NOW,						/* now, currently, turned */
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
	SP_DIRECTOR,				/* managing/board/non-executive/general/socio
								 * + , + general, + ejecutivo: c_level;
								 * funeral + : ic */
	SP_MANAGER,					/* general + : director */
	SP_GERENTE,					/* director + , + general: c_level */
	SP_PARTNER,					/* business/talent/... + : ic; associate + :
								 * director */
	SP_SOCIO,					/* a partner; a director or manager after it
								 * is c_level (Socio Director) */
	SP_OWNER,					/* product/process/... + : ic */
	SP_COUNSEL,					/* general + : c_level */
	SP_OFFICER,					/* after chief: c_level */
	SP_EXECUTIVE,				/* after chief or c-level: c_level */
	SP_EJECUTIVO,				/* after a director: c_level */
	SP_MEMBER,					/* board member, member of the board, managing
								 * member: c_level */
	SP_EDITOR,					/* managing + : manager; + in chief:
								 * director */
	SP_TEACHER,					/* head + : director */
	SP_HUNTER,					/* head + : still a recruiter */
	SP_CHEF,					/* + de/d': manager */
	SP_TRAINEE,					/* + role: at most ic */
	SP_CONSEJERO,				/* + delegado: c_level */
	SP_DELEGADO,
	SP_HEAD,
	SP_CHIEF,
	SP_PRINCIPAL,
	SP_LEAD,
	SP_LEADER,
	SP_VICE,
	SP_VICE_TYPO,				/* "vise": vice, but only before president */
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
	SP_OFFICE,					/* role + : the role owns the office */
	SP_FORMER,					/* ex, former, aspiring...: voids what
								 * follows */
	SP_NOT_FORMER,				/* ex/past + : not former (ex officio, past
								 * due) */
	SP_RETIRED,					/* retired, emeritus: voids its role */
	SP_SEMI,					/* + retired: not retired */
	SP_FIRST,					/* of + first impressions: a receptionist */
	SP_IMPRESSIONS,
	SP_FUNERAL,					/* + director: a profession */
	SP_MILITARY,				/* chief petty/warrant officer: a rank */
	SP_DE,						/* de, du, d'...: chef + : manager */
	SP_IN						/* editor + + chief: director */
} Special;

/* Keyword flags */
#define F_DEPENDENT	0x01		/* assistant-like: the rest of the title is
								 * someone else */
#define F_WEAK		0x02		/* counts only in a role with nothing else
								 * ("VP Admin" is a vp) */
#define F_JUNIOR	0x04		/* associate, assistant, deputy */
#define F_FEMININE	0x08		/* German: also with "-in" (Leiterin) */
#define F_AFTER_ROLE 0x10		/* KW_OF only after a role word of its role;
								 * an ordinary word elsewhere ("Van Driver") */

typedef struct Keyword
{
	const char *word;			/* lowercase ASCII; ' in an elision (d') */
	unsigned char kind;			/* KeywordKind */
	unsigned char rank;			/* for KW_ROLE, KW_WEAK and KW_IC */
	unsigned char special;		/* Special */
	unsigned char flags;		/* F_* */
} Keyword;

/* Longer words are in no table: a longer word is an unknown word. */
#define WORD_MAX 32

/*
 * The words: English ones, and those of German, French, Spanish, Portuguese
 * and Dutch (marked with their languages), as they read with their accents
 * folded (see "Reading a title").  Sorted by strcmp(), for the binary
 * search of lookup(): a word out of order is never found.  WORD_MAX bytes
 * at most.
 */
static const Keyword keywords[] = {
	{"a", KW_STOP, R_NONE, SP_NONE, 0},
	{"abogada", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"abogado", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"accountant", KW_IC, R_IC, SP_NONE, 0},
	{"acting", KW_MOD, R_NONE, SP_GRADE, 0},
	{"actuary", KW_IC, R_IC, SP_NONE, 0},
	{"adjoint", KW_MOD, R_NONE, SP_GRADE, F_JUNIOR},	/* fr */
	{"adjointe", KW_MOD, R_NONE, SP_GRADE, F_JUNIOR},	/* fr */
	{"admin", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_WEAK},
	{"administrador", KW_IC, R_IC, SP_CONSEJERO, 0},	/* es, pt */
	{"administrator", KW_IC, R_IC, SP_NONE, 0},
	{"adr", KW_IC, R_IC, SP_NONE, 0},
	{"adviser", KW_IC, R_IC, SP_NONE, 0},
	{"advisor", KW_IC, R_IC, SP_NONE, 0},
	{"advocate", KW_IC, R_IC, SP_NONE, 0},
	{"ae", KW_IC, R_IC, SP_NONE, 0},
	{"agent", KW_IC, R_IC, SP_NONE, 0},
	{"aide", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"algemeen", KW_MOD, R_NONE, SP_GENERAL, 0},	/* nl */
	{"alternant", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"alternante", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"ambassador", KW_IC, R_IC, SP_NONE, 0},
	{"an", KW_STOP, R_NONE, SP_NONE, 0},
	{"analista", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"analyst", KW_IC, R_IC, SP_NONE, 0},
	{"ancien", KW_MOD, R_NONE, SP_FORMER, 0},	/* fr */
	{"ancienne", KW_MOD, R_NONE, SP_FORMER, 0},	/* fr */
	{"and", KW_CONJ, R_NONE, SP_NONE, 0},
	{"animator", KW_IC, R_IC, SP_NONE, 0},
	{"antiga", KW_MOD, R_NONE, SP_FORMER, 0},	/* pt */
	{"antigo", KW_MOD, R_NONE, SP_FORMER, 0},	/* pt */
	{"antigua", KW_MOD, R_NONE, SP_FORMER, 0},	/* es */
	{"antiguo", KW_MOD, R_NONE, SP_FORMER, 0},	/* es */
	{"aposentada", KW_MOD, R_NONE, SP_RETIRED, 0},	/* pt */
	{"aposentado", KW_MOD, R_NONE, SP_RETIRED, 0},	/* pt */
	{"application", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"appraiser", KW_IC, R_IC, SP_NONE, 0},
	{"apprentice", KW_IC, R_IC, SP_NONE, 0},
	{"architect", KW_IC, R_IC, SP_NONE, 0},
	{"artist", KW_IC, R_IC, SP_NONE, 0},
	{"asistente", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},	/* es */
	{"aspiring", KW_MOD, R_NONE, SP_FORMER, 0},
	{"asset", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"assistant", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},
	{"assistante", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},	/* fr */
	{"assistente", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},	/* pt */
	{"assoc", KW_IC, R_IC, SP_NONE, F_JUNIOR},
	{"associate", KW_IC, R_IC, SP_NONE, F_JUNIOR},
	{"associe", KW_ROLE, R_C, SP_SOCIO, 0},	/* fr */
	{"associee", KW_ROLE, R_C, SP_SOCIO, 0},	/* fr */
	{"asst", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR},
	{"at", KW_AT, R_NONE, SP_NONE, 0},
	{"attendant", KW_IC, R_IC, SP_NONE, 0},
	{"attorney", KW_IC, R_IC, SP_NONE, 0},
	{"auditor", KW_IC, R_IC, SP_NONE, 0},
	{"aufsichtsrat", KW_ROLE, R_C, SP_BOARD, 0},	/* de */
	{"aufsichtsrats", KW_ROLE, R_C, SP_BOARD, 0},	/* de */
	{"auszubildende", KW_IC, R_IC, SP_NONE, 0},	/* de */
	{"auszubildender", KW_IC, R_IC, SP_NONE, 0},	/* de */
	{"auxiliar", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es, pt */
	{"avp", KW_ROLE, R_VP, SP_NONE, 0},
	{"azubi", KW_IC, R_IC, SP_NONE, 0},	/* de */
	{"banker", KW_IC, R_IC, SP_NONE, 0},
	{"barista", KW_IC, R_IC, SP_NONE, 0},
	{"bartender", KW_IC, R_IC, SP_NONE, 0},
	{"bdr", KW_IC, R_IC, SP_NONE, 0},
	{"becaria", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es */
	{"becario", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es */
	{"bei", KW_AT, R_NONE, SP_NONE, 0},	/* de */
	{"bestuur", KW_MOD, R_NONE, SP_BOARD, 0},	/* nl */
	{"bij", KW_AT, R_NONE, SP_NONE, 0},	/* nl */
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
	{"charge", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"chargee", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"chef", KW_IC, R_IC, SP_CHEF, 0},
	{"chefe", KW_ROLE, R_MGR, SP_NONE, 0},	/* pt */
	{"chez", KW_AT, R_NONE, SP_NONE, 0},	/* fr */
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
	{"cofondateur", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"cofondatrice", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"cofounder", KW_ROLE, R_C, SP_NONE, 0},
	{"cofundador", KW_ROLE, R_C, SP_NONE, 0},	/* es, pt */
	{"cofundadora", KW_ROLE, R_C, SP_NONE, 0},	/* es, pt */
	{"commissaris", KW_ROLE, R_C, SP_NONE, 0},	/* nl */
	{"comptroller", KW_ROLE, R_DIR, SP_NONE, 0},
	{"conseil", KW_MOD, R_NONE, SP_BOARD, 0},	/* fr */
	{"conseiller", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"conseillere", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"consejera", KW_IC, R_IC, SP_CONSEJERO, 0},	/* es */
	{"consejero", KW_IC, R_IC, SP_CONSEJERO, 0},	/* es */
	{"consejo", KW_MOD, R_NONE, SP_BOARD, 0},	/* es */
	{"conselho", KW_MOD, R_NONE, SP_BOARD, 0},	/* pt */
	{"consultant", KW_IC, R_IC, SP_NONE, 0},
	{"consultante", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"consultor", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"consultora", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"contador", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"contadora", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"content", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"contractor", KW_IC, R_IC, SP_NONE, 0},
	{"control", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"controller", KW_ROLE, R_DIR, SP_NONE, 0},
	{"coo", KW_ROLE, R_C, SP_NONE, 0},
	{"cook", KW_IC, R_IC, SP_NONE, 0},
	{"coord", KW_IC, R_IC, SP_NONE, 0},
	{"coordenador", KW_ROLE, R_MGR, SP_NONE, 0},	/* pt */
	{"coordenadora", KW_ROLE, R_MGR, SP_NONE, 0},	/* pt */
	{"coordinador", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"coordinadora", KW_IC, R_IC, SP_NONE, 0},	/* es */
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
	{"currently", KW_NOW, R_NONE, SP_NONE, 0},
	{"custodian", KW_IC, R_IC, SP_NONE, 0},
	{"cxo", KW_ROLE, R_C, SP_NONE, 0},
	{"d'", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* fr */
	{"da", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* pt */
	{"dancer", KW_IC, R_IC, SP_NONE, 0},
	{"das", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* pt */
	{"data", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"dba", KW_IC, R_IC, SP_NONE, 0},
	{"de", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* fr, es, pt */
	{"del", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* es */
	{"delegada", KW_MOD, R_NONE, SP_DELEGADO, 0},	/* es */
	{"delegado", KW_MOD, R_NONE, SP_DELEGADO, 0},	/* es */
	{"dentist", KW_IC, R_IC, SP_NONE, 0},
	{"deputy", KW_MOD, R_NONE, SP_NONE, F_JUNIOR},
	{"der", KW_OF, R_NONE, SP_NONE, F_AFTER_ROLE},	/* de */
	{"des", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* fr, de */
	{"desarrollador", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"desarrolladora", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"desenvolvedor", KW_IC, R_IC, SP_NONE, 0},	/* pt */
	{"desenvolvedora", KW_IC, R_IC, SP_NONE, 0},	/* pt */
	{"designer", KW_IC, R_IC, SP_NONE, 0},
	{"dev", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"developer", KW_IC, R_IC, SP_NONE, 0},
	{"developpeur", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"developpeuse", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"dg", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"dga", KW_ROLE, R_C, SP_NONE, 0},	/* fr, nl */
	{"dir", KW_ROLE, R_DIR, SP_DIRECTOR, 0},
	{"directeur", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* fr, nl */
	{"directie", KW_ROLE, R_C, SP_BOARD, 0},	/* nl */
	{"director", KW_ROLE, R_DIR, SP_DIRECTOR, 0},
	{"directora", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* es */
	{"directorio", KW_MOD, R_NONE, SP_BOARD, 0},	/* es */
	{"directors", KW_MOD, R_NONE, SP_DIRECTORS, 0},
	{"directrice", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* fr, nl */
	{"diretor", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* pt */
	{"diretora", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* pt */
	{"diretoria", KW_MOD, R_NONE, SP_BOARD, 0},	/* pt */
	{"dispatcher", KW_IC, R_IC, SP_NONE, 0},
	{"do", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* pt */
	{"doctor", KW_IC, R_IC, SP_NONE, 0},
	{"dona", KW_ROLE, R_C, SP_NONE, 0},	/* pt */
	{"dono", KW_ROLE, R_C, SP_NONE, 0},	/* pt */
	{"dos", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* pt */
	{"driver", KW_IC, R_IC, SP_NONE, 0},
	{"du", KW_OF, R_NONE, SP_DE, F_AFTER_ROLE},	/* fr */
	{"due", KW_MOD, R_NONE, SP_NOT_FORMER, 0},
	{"duena", KW_ROLE, R_C, SP_NONE, 0},	/* es */
	{"dueno", KW_ROLE, R_C, SP_NONE, 0},	/* es */
	{"ea", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"economist", KW_IC, R_IC, SP_NONE, 0},
	{"editor", KW_IC, R_IC, SP_EDITOR, 0},
	{"een", KW_STOP, R_NONE, SP_NONE, 0},	/* nl */
	{"ehem", KW_MOD, R_NONE, SP_FORMER, 0},	/* de */
	{"ehemalige", KW_MOD, R_NONE, SP_FORMER, 0},	/* de */
	{"ehemaliger", KW_MOD, R_NONE, SP_FORMER, 0},	/* de */
	{"ejecutiva", KW_IC, R_IC, SP_EJECUTIVO, 0},	/* es */
	{"ejecutivo", KW_IC, R_IC, SP_EJECUTIVO, 0},	/* es */
	{"el", KW_STOP, R_NONE, SP_NONE, 0},	/* es */
	{"electrician", KW_IC, R_IC, SP_NONE, 0},
	{"emerita", KW_MOD, R_NONE, SP_RETIRED, 0},
	{"emeritus", KW_MOD, R_NONE, SP_RETIRED, 0},
	{"empleada", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"empleado", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"employee", KW_IC, R_IC, SP_NONE, 0},
	{"encargada", KW_ROLE, R_MGR, SP_NONE, 0},	/* es */
	{"encargado", KW_ROLE, R_MGR, SP_NONE, 0},	/* es */
	{"encarregada", KW_ROLE, R_MGR, SP_NONE, 0},	/* pt */
	{"encarregado", KW_ROLE, R_MGR, SP_NONE, 0},	/* pt */
	{"engenheira", KW_IC, R_IC, SP_NONE, 0},	/* pt */
	{"engenheiro", KW_IC, R_IC, SP_NONE, 0},	/* pt */
	{"engineer", KW_IC, R_IC, SP_NONE, 0},
	{"engr", KW_IC, R_IC, SP_NONE, 0},
	{"entrepreneur", KW_ROLE, R_C, SP_NONE, 0},
	{"equity", KW_MOD, R_NONE, SP_GRADE, 0},
	{"especialista", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"estagiaria", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* pt */
	{"estagiario", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* pt */
	{"estimator", KW_IC, R_IC, SP_NONE, 0},
	{"et", KW_CONJ, R_NONE, SP_NONE, 0},	/* fr */
	{"evangelist", KW_IC, R_IC, SP_NONE, 0},
	{"evp", KW_ROLE, R_VP, SP_NONE, 0},
	{"ex", KW_MOD, R_NONE, SP_FORMER, 0},
	{"examiner", KW_IC, R_IC, SP_NONE, 0},
	{"exec", KW_IC, R_IC, SP_EXECUTIVE, 0},
	{"executiva", KW_IC, R_IC, SP_EJECUTIVO, 0},	/* pt */
	{"executive", KW_IC, R_IC, SP_EXECUTIVE, 0},
	{"executivo", KW_IC, R_IC, SP_EJECUTIVO, 0},	/* pt */
	{"expert", KW_IC, R_IC, SP_NONE, 0},
	{"feature", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"fellow", KW_IC, R_IC, SP_NONE, 0},
	{"first", KW_MOD, R_NONE, SP_FIRST, 0},
	{"fondateur", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"fondatrice", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"for", KW_OF, R_NONE, SP_NONE, 0},
	{"foreman", KW_ROLE, R_MGR, SP_NONE, 0},
	{"former", KW_MOD, R_NONE, SP_FORMER, 0},
	{"formerly", KW_MOD, R_NONE, SP_FORMER, 0},
	{"founder", KW_ROLE, R_C, SP_NONE, 0},
	{"founding", KW_MOD, R_NONE, SP_GRADE, 0},
	{"freelance", KW_IC, R_IC, SP_NONE, 0},
	{"freelancer", KW_IC, R_IC, SP_NONE, 0},
	{"fundador", KW_ROLE, R_C, SP_NONE, 0},	/* es, pt */
	{"fundadora", KW_ROLE, R_C, SP_NONE, 0},	/* es, pt */
	{"funeral", KW_MOD, R_NONE, SP_FUNERAL, 0},
	{"fur", KW_OF, R_NONE, SP_NONE, F_AFTER_ROLE},	/* de */
	{"future", KW_MOD, R_NONE, SP_FORMER, 0},
	{"gen", KW_MOD, R_NONE, SP_GEN, 0},
	{"general", KW_MOD, R_NONE, SP_GENERAL, 0},
	{"generale", KW_MOD, R_NONE, SP_GENERAL, 0},	/* fr */
	{"generalist", KW_IC, R_IC, SP_NONE, 0},
	{"generation", KW_MOD, R_NONE, SP_GEN, 0},
	{"gepensioneerd", KW_MOD, R_NONE, SP_RETIRED, 0},	/* nl */
	{"geral", KW_MOD, R_NONE, SP_GENERAL, 0},	/* pt */
	{"gerant", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"gerante", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"gerente", KW_ROLE, R_MGR, SP_GERENTE, 0},	/* es, pt */
	{"geschaeftsfuehrende", KW_MOD, R_NONE, SP_MANAGING, 0},	/* de */
	{"geschaeftsfuehrender", KW_MOD, R_NONE, SP_MANAGING, 0},	/* de */
	{"geschaftsfuhrende", KW_MOD, R_NONE, SP_MANAGING, 0},	/* de */
	{"geschaftsfuhrender", KW_MOD, R_NONE, SP_MANAGING, 0},	/* de */
	{"gesellschafter", KW_ROLE, R_C, SP_NONE, F_FEMININE},	/* de */
	{"gestionnaire", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"gm", KW_ROLE, R_DIR, SP_NONE, 0},
	{"go", KW_MOD, R_NONE, SP_GO, 0},
	{"graduate", KW_IC, R_IC, SP_NONE, 0},
	{"gvp", KW_ROLE, R_VP, SP_NONE, 0},
	{"head", KW_WEAK, R_DIR, SP_HEAD, 0},
	{"headhunter", KW_IC, R_IC, SP_NONE, 0},
	{"headmaster", KW_ROLE, R_DIR, SP_NONE, 0},
	{"headmistress", KW_ROLE, R_DIR, SP_NONE, 0},
	{"headteacher", KW_ROLE, R_DIR, SP_NONE, 0},
	{"het", KW_STOP, R_NONE, SP_NONE, 0},	/* nl */
	{"hoofd", KW_WEAK, R_DIR, SP_HEAD, 0},	/* nl */
	{"housekeeper", KW_IC, R_IC, SP_NONE, 0},
	{"hunter", KW_IC, R_IC, SP_HUNTER, 0},
	{"hygienist", KW_IC, R_IC, SP_NONE, 0},
	{"illustrator", KW_IC, R_IC, SP_NONE, 0},
	{"impressions", KW_MOD, R_NONE, SP_IMPRESSIONS, 0},
	{"in", KW_AT, R_NONE, SP_IN, 0},
	{"ingeniera", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"ingeniero", KW_IC, R_IC, SP_NONE, 0},	/* es */
	{"inspector", KW_IC, R_IC, SP_NONE, 0},
	{"instructor", KW_IC, R_IC, SP_NONE, 0},
	{"interim", KW_MOD, R_NONE, SP_GRADE, 0},
	{"intern", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"internship", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"interpreter", KW_IC, R_IC, SP_NONE, 0},
	{"investigator", KW_IC, R_IC, SP_NONE, 0},
	{"janitor", KW_IC, R_IC, SP_NONE, 0},
	{"jefa", KW_ROLE, R_MGR, SP_NONE, 0},	/* es */
	{"jefe", KW_ROLE, R_MGR, SP_NONE, 0},	/* es */
	{"journalist", KW_IC, R_IC, SP_NONE, 0},
	{"jr", KW_MOD, R_NONE, SP_GRADE, 0},
	{"jubilada", KW_MOD, R_NONE, SP_RETIRED, 0},	/* es */
	{"jubilado", KW_MOD, R_NONE, SP_RETIRED, 0},	/* es */
	{"junior", KW_MOD, R_NONE, SP_GRADE, 0},
	{"junta", KW_MOD, R_NONE, SP_BOARD, 0},	/* es */
	{"l'", KW_STOP, R_NONE, SP_NONE, 0},	/* fr */
	{"la", KW_STOP, R_NONE, SP_NONE, 0},	/* fr, es */
	{"laborer", KW_IC, R_IC, SP_NONE, 0},
	{"las", KW_STOP, R_NONE, SP_NONE, 0},	/* es */
	{"lawyer", KW_IC, R_IC, SP_NONE, 0},
	{"le", KW_STOP, R_NONE, SP_NONE, 0},	/* fr */
	{"lead", KW_WEAK, R_MGR, SP_LEAD, 0},
	{"leader", KW_WEAK, R_MGR, SP_LEADER, 0},
	{"lecturer", KW_IC, R_IC, SP_NONE, 0},
	{"leider", KW_WEAK, R_MGR, SP_LEADER, 0},	/* nl */
	{"leidinggevende", KW_ROLE, R_MGR, SP_NONE, 0},	/* nl */
	{"les", KW_STOP, R_NONE, SP_NONE, 0},	/* fr */
	{"level", KW_MOD, R_NONE, SP_LEVEL, 0},
	{"liaison", KW_IC, R_IC, SP_NONE, 0},
	{"librarian", KW_IC, R_IC, SP_NONE, 0},
	{"lid", KW_IC, R_IC, SP_MEMBER, F_WEAK},	/* nl */
	{"lider", KW_WEAK, R_MGR, SP_LEADER, 0},	/* es, pt */
	{"los", KW_STOP, R_NONE, SP_NONE, 0},	/* es */
	{"lpn", KW_IC, R_IC, SP_NONE, 0},
	{"machinist", KW_IC, R_IC, SP_NONE, 0},
	{"manager", KW_ROLE, R_MGR, SP_MANAGER, F_FEMININE},
	{"managing", KW_MOD, R_NONE, SP_MANAGING, 0},
	{"marketer", KW_IC, R_IC, SP_NONE, 0},
	{"master", KW_IC, R_IC, SP_NONE, 0},
	{"md", KW_ROLE, R_C, SP_NONE, 0},
	{"mechanic", KW_IC, R_IC, SP_NONE, 0},
	{"member", KW_IC, R_IC, SP_MEMBER, F_WEAK},
	{"membre", KW_IC, R_IC, SP_MEMBER, F_WEAK},	/* fr */
	{"membro", KW_IC, R_IC, SP_MEMBER, F_WEAK},	/* pt */
	{"mgr", KW_ROLE, R_MGR, SP_MANAGER, 0},
	{"miembro", KW_IC, R_IC, SP_MEMBER, F_WEAK},	/* es */
	{"mngr", KW_ROLE, R_MGR, SP_MANAGER, 0},
	{"mortician", KW_IC, R_IC, SP_NONE, 0},
	{"non", KW_MOD, R_NONE, SP_NON, 0},
	{"now", KW_NOW, R_NONE, SP_NONE, 0},
	{"nurse", KW_IC, R_IC, SP_NONE, 0},
	{"of", KW_OF, R_NONE, SP_NONE, 0},
	{"office", KW_MOD, R_NONE, SP_OFFICE, 0},
	{"officer", KW_IC, R_IC, SP_OFFICER, 0},
	{"officio", KW_MOD, R_NONE, SP_NOT_FORMER, 0},
	{"operating", KW_MOD, R_NONE, SP_GRADE, 0},
	{"operator", KW_IC, R_IC, SP_NONE, 0},
	{"or", KW_CONJ, R_NONE, SP_NONE, 0},
	{"oud", KW_MOD, R_NONE, SP_FORMER, 0},	/* nl */
	{"owner", KW_ROLE, R_C, SP_OWNER, 0},
	{"pa", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"para", KW_OF, R_NONE, SP_NONE, F_AFTER_ROLE},	/* es, pt */
	{"paralegal", KW_IC, R_IC, SP_NONE, 0},
	{"paramedic", KW_IC, R_IC, SP_NONE, 0},
	{"partner", KW_ROLE, R_C, SP_PARTNER, F_FEMININE},
	{"pasante", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es */
	{"past", KW_MOD, R_NONE, SP_FORMER, 0},
	{"pdg", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"pensioniert", KW_MOD, R_NONE, SP_RETIRED, 0},	/* de */
	{"petty", KW_MOD, R_NONE, SP_MILITARY, 0},
	{"pharmacist", KW_IC, R_IC, SP_NONE, 0},
	{"photographer", KW_IC, R_IC, SP_NONE, 0},
	{"physician", KW_IC, R_IC, SP_NONE, 0},
	{"pilot", KW_IC, R_IC, SP_NONE, 0},
	{"planner", KW_IC, R_IC, SP_NONE, 0},
	{"platform", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"plumber", KW_IC, R_IC, SP_NONE, 0},
	{"pm", KW_ROLE, R_MGR, SP_NONE, 0},
	{"postdoc", KW_IC, R_IC, SP_NONE, 0},
	{"pour", KW_OF, R_NONE, SP_NONE, F_AFTER_ROLE},	/* fr */
	{"practicante", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es */
	{"practitioner", KW_IC, R_IC, SP_NONE, 0},
	{"prasident", KW_ROLE, R_C, SP_PRESIDENT, F_FEMININE},	/* de */
	{"pres", KW_ROLE, R_C, SP_PRESIDENT, 0},
	{"presently", KW_NOW, R_NONE, SP_NONE, 0},
	{"president", KW_ROLE, R_C, SP_PRESIDENT, 0},
	{"presidenta", KW_ROLE, R_C, SP_PRESIDENT, 0},	/* es */
	{"presidente", KW_ROLE, R_C, SP_PRESIDENT, 0},	/* es, pt, fr */
	{"previously", KW_MOD, R_NONE, SP_FORMER, 0},
	{"principal", KW_WEAK, R_DIR, SP_PRINCIPAL, 0},
	{"process", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"producer", KW_IC, R_IC, SP_NONE, 0},
	{"product", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"professor", KW_IC, R_IC, SP_NONE, 0},
	{"programmer", KW_IC, R_IC, SP_NONE, 0},
	{"prokurist", KW_ROLE, R_DIR, SP_NONE, F_FEMININE},	/* de */
	{"propietaria", KW_ROLE, R_C, SP_NONE, 0},	/* es */
	{"propietario", KW_ROLE, R_C, SP_NONE, 0},	/* es */
	{"proprietaire", KW_ROLE, R_C, SP_NONE, 0},	/* fr */
	{"proprietaria", KW_ROLE, R_C, SP_NONE, 0},	/* pt */
	{"proprietario", KW_ROLE, R_C, SP_NONE, 0},	/* pt */
	{"proprietor", KW_ROLE, R_C, SP_NONE, 0},
	{"prospective", KW_MOD, R_NONE, SP_FORMER, 0},
	{"psychologist", KW_IC, R_IC, SP_NONE, 0},
	{"qa", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"raad", KW_MOD, R_NONE, SP_BOARD, 0},	/* nl */
	{"receptionist", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"recruiter", KW_IC, R_IC, SP_NONE, 0},
	{"rep", KW_IC, R_IC, SP_NONE, 0},
	{"reporter", KW_IC, R_IC, SP_NONE, 0},
	{"representative", KW_IC, R_IC, SP_NONE, 0},
	{"researcher", KW_IC, R_IC, SP_NONE, 0},
	{"responsable", KW_ROLE, R_MGR, SP_NONE, 0},	/* fr, es */
	{"ret", KW_MOD, R_NONE, SP_RETIRED, 0},
	{"retired", KW_MOD, R_NONE, SP_RETIRED, 0},
	{"retraite", KW_MOD, R_NONE, SP_RETIRED, 0},	/* fr */
	{"retraitee", KW_MOD, R_NONE, SP_RETIRED, 0},	/* fr */
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
	{"secretaire", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* fr */
	{"secretaria", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es, pt */
	{"secretario", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* es, pt */
	{"secretary", KW_IC, R_IC, SP_NONE, F_DEPENDENT},
	{"semi", KW_MOD, R_NONE, SP_SEMI, 0},
	{"senior", KW_MOD, R_NONE, SP_GRADE, 0},
	{"service", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"snr", KW_MOD, R_NONE, SP_GRADE, 0},
	{"socia", KW_ROLE, R_C, SP_SOCIO, 0},	/* es, pt */
	{"socio", KW_ROLE, R_C, SP_SOCIO, 0},	/* es, pt */
	{"solicitor", KW_IC, R_IC, SP_NONE, 0},
	{"sourcer", KW_IC, R_IC, SP_NONE, 0},
	{"specialist", KW_IC, R_IC, SP_NONE, 0},
	{"sr", KW_MOD, R_NONE, SP_GRADE, 0},
	{"sre", KW_IC, R_IC, SP_NONE, 0},
	{"staff", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"stagiaire", KW_IC, R_IC, SP_NONE, F_DEPENDENT},	/* fr, nl */
	{"stellv", KW_MOD, R_NONE, SP_GRADE, F_JUNIOR},	/* de */
	{"stellvertretende", KW_MOD, R_NONE, SP_GRADE, F_JUNIOR},	/* de */
	{"stellvertretender", KW_MOD, R_NONE, SP_GRADE, F_JUNIOR},	/* de */
	{"strategist", KW_IC, R_IC, SP_NONE, 0},
	{"student", KW_IC, R_IC, SP_NONE, 0},
	{"subdirector", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* es */
	{"subdirectora", KW_ROLE, R_DIR, SP_DIRECTOR, 0},	/* es */
	{"subgerente", KW_ROLE, R_MGR, SP_NONE, 0},	/* es */
	{"suite", KW_MOD, R_NONE, SP_LEVEL, 0},
	{"superintendent", KW_ROLE, R_MGR, SP_NONE, 0},
	{"supervisor", KW_ROLE, R_MGR, SP_NONE, 0},
	{"supervisora", KW_ROLE, R_MGR, SP_NONE, 0},	/* es, pt */
	{"surgeon", KW_IC, R_IC, SP_NONE, 0},
	{"svp", KW_ROLE, R_VP, SP_NONE, 0},
	{"swe", KW_IC, R_IC, SP_NONE, 0},
	{"system", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"teacher", KW_IC, R_IC, SP_TEACHER, 0},
	{"teamlead", KW_ROLE, R_MGR, SP_NONE, 0},
	{"teamleader", KW_ROLE, R_MGR, SP_NONE, 0},
	{"tech", KW_IC, R_IC, SP_NONE, F_WEAK},
	{"technical", KW_MOD, R_NONE, SP_OWNER_SCOPE, 0},
	{"technician", KW_IC, R_IC, SP_NONE, 0},
	{"technicien", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"technicienne", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"tecnica", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"tecnico", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"teller", KW_IC, R_IC, SP_NONE, 0},
	{"tester", KW_IC, R_IC, SP_NONE, 0},
	{"the", KW_STOP, R_NONE, SP_NONE, 0},
	{"therapist", KW_IC, R_IC, SP_NONE, 0},
	{"to", KW_TO, R_NONE, SP_NONE, 0},
	{"trainee", KW_IC, R_IC, SP_TRAINEE, 0},
	{"trainer", KW_IC, R_IC, SP_NONE, 0},
	{"translator", KW_IC, R_IC, SP_NONE, 0},
	{"turned", KW_NOW, R_NONE, SP_NONE, 0},
	{"tutor", KW_IC, R_IC, SP_NONE, 0},
	{"und", KW_CONJ, R_NONE, SP_NONE, 0},	/* de */
	{"underwriter", KW_IC, R_IC, SP_NONE, 0},
	{"van", KW_OF, R_NONE, SP_NONE, F_AFTER_ROLE},	/* nl */
	{"vendedor", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"vendedora", KW_IC, R_IC, SP_NONE, 0},	/* es, pt */
	{"vendeur", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"vendeuse", KW_IC, R_IC, SP_NONE, 0},	/* fr */
	{"vennoot", KW_ROLE, R_C, SP_SOCIO, 0},	/* nl */
	{"venture", KW_MOD, R_NONE, SP_GRADE, 0},
	{"vice", KW_MOD, R_NONE, SP_VICE, 0},
	{"vicepresident", KW_ROLE, R_VP, SP_NONE, 0},
	{"vicepresidenta", KW_ROLE, R_VP, SP_NONE, 0},	/* es */
	{"vicepresidente", KW_ROLE, R_VP, SP_NONE, 0},	/* es, pt */
	{"vize", KW_MOD, R_NONE, SP_VICE, 0},	/* de */
	{"vizeprasident", KW_ROLE, R_VP, SP_NONE, F_FEMININE},	/* de */
	{"volunteer", KW_IC, R_IC, SP_NONE, 0},
	{"voor", KW_OF, R_NONE, SP_NONE, F_AFTER_ROLE},	/* nl */
	{"voormalig", KW_MOD, R_NONE, SP_FORMER, 0},	/* nl */
	{"voormalige", KW_MOD, R_NONE, SP_FORMER, 0},	/* nl */
	{"vorstands", KW_ROLE, R_C, SP_BOARD, 0},	/* de */
	{"vp", KW_ROLE, R_VP, SP_NONE, 0},
	{"waiter", KW_IC, R_IC, SP_NONE, 0},
	{"waitress", KW_IC, R_IC, SP_NONE, 0},
	{"wannabe", KW_MOD, R_NONE, SP_FORMER, 0},
	{"warrant", KW_MOD, R_NONE, SP_MILITARY, 0},
	{"webmaster", KW_IC, R_IC, SP_NONE, 0},
	{"welder", KW_IC, R_IC, SP_NONE, 0},
	{"worker", KW_IC, R_IC, SP_NONE, 0},
	{"writer", KW_IC, R_IC, SP_NONE, 0},
	{"y", KW_CONJ, R_NONE, SP_NONE, 0},	/* es */
	{"zaakvoerder", KW_ROLE, R_C, SP_NONE, 0},	/* nl */
};

/* A compound head, and the length of its word. */
typedef struct CompoundHead
{
	unsigned char length;		/* strlen(keyword.word) */
	Keyword		keyword;
} CompoundHead;

#define HEAD(word, kind, rank, special, flags) \
	{sizeof(word) - 1, {word, kind, rank, special, flags}}

/* The shortest compound head, "hoofd" */
#define COMPOUND_MIN 5

/*
 * The last parts of German and Dutch closed compounds: a word that ends
 * with one of these (or is one) and is in no table reads as it
 * ("Vertriebsleiter" as a "-leiter").  The first that matches wins, so a
 * longer head comes before the shorter one it ends with ("Teamleiter",
 * "Flugbegleiter" before "-leiter").  COMPOUND_MIN bytes at least.
 */
static const CompoundHead compound_heads[] = {
	/* German */
	HEAD("generaldirektor", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("direktor", KW_ROLE, R_DIR, SP_DIRECTOR, F_FEMININE),
	HEAD("geschaftsfuhrer", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("geschaeftsfuehrer", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("geschaftsfuhrung", KW_ROLE, R_C, SP_BOARD, 0),
	HEAD("geschaeftsfuehrung", KW_ROLE, R_C, SP_BOARD, 0),
	HEAD("geschaftsleitung", KW_ROLE, R_C, SP_BOARD, 0),
	HEAD("geschaeftsleitung", KW_ROLE, R_C, SP_BOARD, 0),
	HEAD("vorstandsmitglied", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("aufsichtsratsmitglied", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("mitglied", KW_IC, R_IC, SP_MEMBER, F_WEAK),
	HEAD("vorstand", KW_ROLE, R_C, SP_BOARD, 0),
	HEAD("vorsitzender", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("vorsitzende", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("inhaber", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("grunder", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("gruender", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("unternehmer", KW_ROLE, R_C, SP_NONE, F_FEMININE),
	HEAD("begleiter", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("teamleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("gruppenleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("projektleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("schichtleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("filialleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("marktleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("bauleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("lagerleiter", KW_ROLE, R_MGR, SP_NONE, F_FEMININE),
	HEAD("leiter", KW_ROLE, R_DIR, SP_NONE, F_FEMININE),
	HEAD("teamleitung", KW_ROLE, R_MGR, SP_NONE, 0),
	HEAD("gruppenleitung", KW_ROLE, R_MGR, SP_NONE, 0),
	HEAD("projektleitung", KW_ROLE, R_MGR, SP_NONE, 0),
	HEAD("leitung", KW_ROLE, R_DIR, SP_NONE, 0),
	HEAD("sachbearbeiter", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("mitarbeiter", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("berater", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("referent", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("entwickler", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("ingenieur", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("techniker", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("verkaufer", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("buchhalter", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("kaufmann", KW_IC, R_IC, SP_NONE, 0),
	HEAD("kauffrau", KW_IC, R_IC, SP_NONE, 0),
	HEAD("werkstudent", KW_IC, R_IC, SP_NONE, F_FEMININE),
	HEAD("assistent", KW_IC, R_IC, SP_NONE,
		 F_DEPENDENT | F_JUNIOR | F_FEMININE),
	HEAD("assistenz", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_JUNIOR),
	HEAD("sekretar", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_FEMININE),
	HEAD("praktikant", KW_IC, R_IC, SP_NONE, F_DEPENDENT | F_FEMININE),
	/* German and Dutch */
	HEAD("manager", KW_ROLE, R_MGR, SP_MANAGER, F_FEMININE),
	/* Dutch */
	HEAD("directeur", KW_ROLE, R_DIR, SP_DIRECTOR, 0),
	HEAD("hoofd", KW_ROLE, R_DIR, SP_NONE, 0),
	HEAD("leider", KW_ROLE, R_MGR, SP_NONE, 0),
	HEAD("eigenaar", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("oprichter", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("voorzitter", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("bestuurder", KW_ROLE, R_C, SP_NONE, 0),
	HEAD("medewerker", KW_IC, R_IC, SP_NONE, 0),
	HEAD("adviseur", KW_IC, R_IC, SP_NONE, 0),
	HEAD("ontwikkelaar", KW_IC, R_IC, SP_NONE, 0),
	HEAD("verkoper", KW_IC, R_IC, SP_NONE, 0),
	HEAD("secretaresse", KW_IC, R_IC, SP_NONE, F_DEPENDENT),
	HEAD("stagiair", KW_IC, R_IC, SP_NONE, F_DEPENDENT),
};

/* A typo key, and its length. */
typedef struct TypoKey
{
	unsigned char length;
	const char *word;
} TypoKey;

#define KEY(word) {sizeof(word) - 1, word}

/* A word shorter than this is never read as a typo. */
#define TYPO_MIN 5

/*
 * The key words whose typos are read (see "Reading a title"): the words
 * that make a role senior, and "assistant", whose typo would otherwise
 * leave "Assitant to the CEO" unknown.  TYPO_MIN letters or more each; each
 * is in keywords[] or compound_heads[].
 */
static const TypoKey typo_keys[] = {
	KEY("assistant"),
	KEY("chairman"),
	KEY("chairperson"),
	KEY("chairwoman"),
	KEY("chief"),
	KEY("cofounder"),
	KEY("comptroller"),
	KEY("controller"),
	KEY("counsel"),
	KEY("director"),
	KEY("entrepreneur"),
	KEY("executive"),
	KEY("founder"),
	KEY("general"),
	KEY("geschaftsfuhrer"),
	KEY("managing"),
	KEY("manager"),
	KEY("officer"),
	KEY("owner"),
	KEY("partner"),
	KEY("president"),
	KEY("principal"),
	KEY("proprietor"),
	KEY("superintendent"),
	KEY("supervisor"),
	KEY("vicepresident"),
};

/*
 * Words one edit from a key word that are words of their own, which a title
 * may hold: never read as typos.  (The key words' plurals are found without
 * this list.)  Sorted by strcmp(), for bsearch().
 */
static const char *const not_typos[] = {
	"chainman", "chairmen", "chairwomen", "charwoman", "cofounded",
	"controlled", "directory", "founded", "manage", "managed", "manages",
	"offices", "owned", "supervisory"
};

#define N_ELEMENTS(array) (sizeof(array) / sizeof((array)[0]))

/* What a short word one edit from "vice" is (see SP_VICE_TYPO). */
static const Keyword vice_typo = {"vice", KW_MOD, R_NONE, SP_VICE_TYPO, 0};

/*
 * Looking words up: a few times per word, so written for speed (no
 * callbacks, no strlen()).
 */

/* strcmp(), inline */
static int
compare_words(const char *a, const char *b)
{
	while (*a && *a == *b)
	{
		a++;
		b++;
	}
	return (unsigned char) *a - (unsigned char) *b;
}

/*
 * Where word is in a sorted array of count elements, stride bytes apart,
 * each starting with its word (a const char *): its index, or -1.
 */
static ptrdiff_t
sorted_position(const char *word, const void *array, size_t count, size_t stride)
{
	size_t		low = 0;
	size_t		high = count;

	while (low < high)
	{
		size_t		middle = low + (high - low) / 2;
		const char *entry = *(const char *const *) ((const char *) array + middle * stride);
		int			c = compare_words(word, entry);

		if (c == 0)
			return (ptrdiff_t) middle;
		if (c < 0)
			high = middle;
		else
			low = middle + 1;
	}
	return -1;
}

/* The word as it is: a binary search of keywords[]. */
static const Keyword *
lookup(const char *word)
{
	ptrdiff_t	i = sorted_position(word, keywords, N_ELEMENTS(keywords), sizeof(Keyword));

	return i < 0 ? NULL : &keywords[i];
}

/* The compound head word[0 .. n - 1] ends with (or is), if any. */
static const Keyword *
compound_head(const char *word, size_t n)
{
	if (n < COMPOUND_MIN)
		return NULL;
	for (size_t i = 0; i < N_ELEMENTS(compound_heads); i++)
	{
		const CompoundHead *head = &compound_heads[i];
		size_t		len = head->length;

		/* the last two letters first: most words fail there */
		if (len <= n && word[n - 1] == head->keyword.word[len - 1] &&
			word[n - 2] == head->keyword.word[len - 2] &&
			memcmp(word + n - len, head->keyword.word, len - 2) == 0)
			return &head->keyword;
	}
	return NULL;
}

/*
 * Whether a (na letters) is b (nb letters) after exactly one edit: a letter
 * inserted, deleted or replaced, or two neighbours swapped.  Equal words
 * are not.  Reads at most na and nb bytes.
 */
static bool
one_edit_apart(const char *a, size_t na, const char *b, size_t nb)
{
	size_t		i = 0;

	if (na == nb)
	{
		while (i < na && a[i] == b[i])
			i++;
		if (i == na)
			return false;
		/* replaced */
		if (memcmp(a + i + 1, b + i + 1, na - i - 1) == 0)
			return true;
		/* swapped */
		return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
			memcmp(a + i + 2, b + i + 2, na - i - 2) == 0;
	}
	if (na + 1 == nb)
	{
		/* let a be the longer */
		const char *longer = b;

		b = a;
		a = longer;
		nb = na;
		na = nb + 1;
	}
	if (na != nb + 1)
		return false;
	/* a has one letter more: skip it at the first difference */
	while (i < nb && a[i] == b[i])
		i++;
	return memcmp(a + i + 1, b + i, nb - i) == 0;
}

/* Whether word is in not_typos[]. */
static bool
is_word_of_its_own(const char *word)
{
	return sorted_position(word, not_typos, N_ELEMENTS(not_typos), sizeof(not_typos[0])) >= 0;
}

/*
 * The key word word[0 .. n - 1] (lowercase ASCII letters, NUL-terminated)
 * is a typo of, if any; see "Reading a title".
 */
static const Keyword *
typo_of(const char *word, size_t n)
{
	if (n < TYPO_MIN)
	{
		/* "vise", "vic": vice, if a president follows */
		if (n >= 3 && word[0] == 'v' && one_edit_apart(word, n, "vice", 4))
			return &vice_typo;
		return NULL;
	}
	for (size_t i = 0; i < N_ELEMENTS(typo_keys); i++)
	{
		const char *key = typo_keys[i].word;
		size_t		len = typo_keys[i].length;

		if (key[0] != word[0] || len + 1 < n || n + 1 < len)
			continue;
		/* "presidents" is a plural, not a typo */
		if (n == len + 1 && word[len] == 's' && memcmp(word, key, len) == 0)
			return NULL;
		if (one_edit_apart(word, n, key, len))
		{
			const Keyword *kw;

			if (is_word_of_its_own(word))
				return NULL;
			kw = lookup(key);
			return kw ? kw : compound_head(key, len);
		}
	}
	return NULL;
}

/*
 * What word[0 .. n - 1] is: the word as it is, a compound's last part, a
 * German feminine, a typo, or nothing (NULL).  word is NUL-terminated and
 * writable (the "-in" is cut for a moment); letters_only says that it holds
 * nothing but lowercase ASCII letters.
 */
static const Keyword *
find_keyword(char *word, size_t n, bool letters_only)
{
	const Keyword *kw;

	if ((kw = lookup(word)) != NULL || (kw = compound_head(word, n)) != NULL)
		return kw;
	/* "Leiterin", "Vertriebsleiterin", "Geschäftsführerin" */
	if (n > 4 && word[n - 2] == 'i' && word[n - 1] == 'n')
	{
		word[n - 2] = '\0';
		kw = lookup(word);
		if (kw == NULL)
			kw = compound_head(word, n - 2);
		word[n - 2] = 'i';
		if (kw && (kw->flags & F_FEMININE))
			return kw;
	}
	return letters_only ? typo_of(word, n) : NULL;
}

/* Whether word is a role's abbreviation: "V P" can be joined into "vp". */
static bool
is_abbreviation(const char *word)
{
	const Keyword *kw = lookup(word);

	return kw && (kw->kind == KW_ROLE || kw->kind == KW_IC);
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

/* The length of the apostrophe at p (' ` ’), 0 if none. */
static size_t
apostrophe_at(const unsigned char *p, const unsigned char *end)
{
	size_t		len;

	return p < end && char_class(p, end, &len) == CC_APOSTROPHE ? len : 0;
}

/*
 * The ASCII letters of the Latin-1 letters U+00C0 to U+00FF, by their
 * second UTF-8 byte (0xC3 0x80 to 0xC3 0xBF); NULL for × and ÷.
 */
static const char *const latin1_letters[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* À Á Â Ã Ä Å Æ Ç */
	"e", "e", "e", "e", "i", "i", "i", "i",	/* È É Ê Ë Ì Í Î Ï */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* Ð Ñ Ò Ó Ô Õ Ö × */
	"o", "u", "u", "u", "u", "y", "th", "ss",	/* Ø Ù Ú Û Ü Ý Þ ß */
	"a", "a", "a", "a", "a", "a", "ae", "c",	/* à á â ã ä å æ ç */
	"e", "e", "e", "e", "i", "i", "i", "i",	/* è é ê ë ì í î ï */
	"d", "n", "o", "o", "o", "o", "o", NULL,	/* ð ñ ò ó ô õ ö ÷ */
	"o", "u", "u", "u", "u", "y", "th", "y"	/* ø ù ú û ü ý þ ÿ */
};

/*
 * The ASCII letters of the accented letter at p, p < end, if it is one;
 * *len is set to its length in bytes.
 */
static const char *
folded_letter(const unsigned char *p, const unsigned char *end, size_t *len)
{
	if (end - p < 2 || (p[1] & 0xC0) != 0x80)
		return NULL;
	*len = 2;
	if (p[0] == 0xC3)
		return latin1_letters[p[1] & 0x3F];
	if (p[0] == 0xC5 && (p[1] == 0x92 || p[1] == 0x93))
		return "oe";			/* Œ œ */
	return NULL;
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
	const unsigned char *no_join_before;	/* see join_letters() */
} Tokenizer;

static char
ascii_lower(unsigned char c)
{
	return (char) ((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
}

/* A word being read: at most WORD_MAX bytes, then only "too long". */
typedef struct WordBuffer
{
	char		text[WORD_MAX + 1];
	size_t		n;
	bool		too_long;
	bool		letters_only;	/* lowercase ASCII letters only */
} WordBuffer;

static void
append_char(WordBuffer *word, char c)
{
	if (word->n < WORD_MAX)
		word->text[word->n++] = c;
	else
		word->too_long = true;
	if (c < 'a' || c > 'z')
		word->letters_only = false;
}

/* More single letters than this joined by spaces are no abbreviation. */
#define SPACED_MAX 4

/*
 * After a word of one ASCII letter or digit: single letters joined by dots,
 * with at most one space after each dot, are one word ("C.E.O.", "S.V.P",
 * "V. P."); so are two to SPACED_MAX joined by single spaces, if together
 * they are an abbreviation ("V P", "C E O").  A run with both kinds of
 * joints ends where the kind changes.  Otherwise the word stays the one
 * letter, the next token is read from after it, and no letter of the run
 * starts a run again: each byte is read a bounded number of times.
 */
static void
join_letters(Tokenizer *tz, WordBuffer *word)
{
	const unsigned char *end = tz->end;
	const unsigned char *after_first = tz->p;
	size_t		letters = 1;
	bool		dotted = false; /* joints with a dot */
	bool		spaced = false; /* joints of a space alone */
	bool		too_many = false;	/* more than SPACED_MAX spaced letters */

	for (;;)
	{
		const unsigned char *q = tz->p;
		bool		dot = false;

		if (q < end && *q == '.')
		{
			q++;
			dot = true;
		}
		if (q < end && *q == ' ')
			q++;
		if (q == tz->p || q >= end || !is_ascii_alnum(*q) ||
			word_starts_at(q + 1, end) || (dot ? spaced : dotted))
			break;
		if (dot)
			dotted = true;
		else
			spaced = true;
		if (spaced && letters >= SPACED_MAX)
			too_many = true;	/* read on to the end of the run */
		else
			append_char(word, ascii_lower(*q));
		letters++;
		tz->p = q + 1;
	}
	if (spaced)
	{
		word->text[word->n] = '\0';
		if (too_many || !is_abbreviation(word->text))
		{
			tz->no_join_before = tz->p;
			word->n = 1;
			tz->p = after_first;
		}
	}
}

/*
 * After a word "d" or "l": the French elision "d'équipe", "l'innovation"
 * makes it "d'" or "l'".  Not "d's".
 */
static void
join_elision(Tokenizer *tz, WordBuffer *word)
{
	size_t		len = apostrophe_at(tz->p, tz->end);
	const unsigned char *q = tz->p + len;

	if (len == 0 || !word_starts_at(q, tz->end) ||
		((*q == 's' || *q == 'S') && !word_starts_at(q + 1, tz->end)))
		return;
	word->text[word->n++] = '\'';
	word->letters_only = false;
	tz->p = q;
}

/* Reads the word at tz->p, which starts one. */
static TokenKind
read_word(Tokenizer *tz, const Keyword **keyword)
{
	WordBuffer	word;
	const unsigned char *start = tz->p;
	const unsigned char *end = tz->end;

	word.n = 0;
	word.too_long = false;
	word.letters_only = true;
	while (word_starts_at(tz->p, end))
	{
		size_t		len = 1;
		const char *letters = NULL;

		if (*tz->p >= 0x80)
			letters = folded_letter(tz->p, end, &len);

		if (letters)
		{
			while (*letters)
				append_char(&word, *letters++);
			tz->p += len;
		}
		else
		{
			/* a byte >= 0x80 stays itself: it matches nothing */
			append_char(&word, ascii_lower(*tz->p));
			tz->p++;
		}
	}

	if (tz->p - start == 1 && is_ascii_alnum(*start))
	{
		if (start >= tz->no_join_before)
			join_letters(tz, &word);
		if (word.n == 1 && (word.text[0] == 'd' || word.text[0] == 'l'))
			join_elision(tz, &word);
	}

	word.text[word.n] = '\0';
	tz->after_word = true;
	*keyword = word.too_long ? NULL :
		find_keyword(word.text, word.n, word.letters_only);
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
#define M_SOCIO		0x400u		/* Socio, Associé: partner-owner */
#define M_PROFESSION 0x800u		/* Funeral: a director is a profession */
#define M_MILITARY	0x1000u		/* Petty, Warrant: an officer is a rank */

/* The role being read: the words since the last separator. */
typedef struct Role
{
	int			rank;			/* of the last role word, R_NONE if none */
	bool		dependent;		/* that word is assistant-like */
	bool		voided;			/* ex-, former, retired...: worth nothing */
	bool		trainee;		/* holds trainee: at most an individual */
	int			other_words;	/* words but ex-, former, retired... */
	unsigned int pending;		/* P_* not yet followed by a role word */
	unsigned int modifiers;		/* M_* */
	Special		last;			/* the last word other than a, an, the */
} Role;

typedef enum Mode
{
	MODE_ROLE,					/* words make a role */
	MODE_OBJECT,				/* words name no role, up to a separator */
	MODE_REST					/* words name no role, to the end (or to a
								 * "now") */
} Mode;

typedef struct Classifier
{
	int			best;			/* most senior rank of a role read since the
								 * last "now" */
	int			best_before_last;	/* best before the last ranked role */
	bool		ranked;			/* a role with a rank ended since "now" */
	int			before_now;		/* best before the last "now" with one */
	Mode		mode;
	Role		role;
	Special		previous;		/* the previous word, or SP_NONE after a
								 * separator */
	bool		chief;			/* a Chief awaits its Officer */
	Special		object_of;		/* MODE_OBJECT/REST: the role's last
								 * word */
	int			object_rank;	/* and the rank of that role */
	bool		object_voided;	/* and whether it was voided */
	const Keyword *object_by;	/* the word that began the object: of, in,
								 * to...; NULL for @ */
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

/* The rank of the role's words, before ex- or retired are applied. */
static int
role_rank(const Role *role)
{
	int			pending = R_NONE;
	int			rank;

	if (role->pending & (P_HEAD | P_CHIEF | P_PRINCIPAL))
		pending = R_DIR;
	else if (role->pending & P_LEAD)
		pending = R_MGR;
	rank = role->rank > pending ? role->rank : pending;
	/* "Trainee Manager": a manager in training */
	if (role->trainee && rank > R_IC)
		rank = R_IC;
	return rank;
}

/* A role of this rank (> R_NONE) was read. */
static void
add_rank(Classifier *cl, int rank)
{
	cl->best_before_last = cl->best;
	if (rank > cl->best)
		cl->best = rank;
	cl->ranked = true;
}

/*
 * The role that just ended, of rank cl->object_rank, is of this rank after
 * all ("Director of First Impressions", "Editor in Chief").
 */
static void
rerank_last_role(Classifier *cl, int rank)
{
	if (cl->object_rank == R_NONE)
		return;					/* no role, or a voided one */
	cl->best = cl->best_before_last > rank ? cl->best_before_last : rank;
	cl->object_rank = rank;
}

/*
 * "CEO (Retired)", "VP Sales (former)": the last role with a rank counts
 * for nothing.
 */
static void
void_last_role(Classifier *cl)
{
	if (cl->ranked)
		cl->best = cl->best_before_last;
	else
		cl->before_now = R_NONE;	/* "CEO, now retired" */
}

/* Ends the current role; returns its rank. */
static int
end_role(Classifier *cl)
{
	Role	   *role = &cl->role;
	int			rank = role->voided ? R_NONE : role_rank(role);

	if (rank != R_NONE)
		add_rank(cl, rank);
	else if (role->voided && role->other_words == 0)
		void_last_role(cl);		/* "CEO (Retired)", "VP Sales (former)" */
	/* "Executive Assistant, CEO Office": the rest is someone else */
	if (role->dependent && rank == R_IC)
		cl->mode = MODE_REST;
	cl->object_of = role->last;
	cl->object_rank = rank;
	cl->object_voided = role->voided;
	role_reset(role);
	cl->previous = SP_NONE;
	return rank;
}

/*
 * "now", "currently", "turned": what follows is what the person is now.
 * What came before counts only if nothing after it names a role.
 */
static void
now_word(Classifier *cl)
{
	if (cl->mode == MODE_ROLE)
		end_role(cl);
	if (cl->best != R_NONE)
		cl->before_now = cl->best;
	cl->best = cl->best_before_last = R_NONE;
	cl->ranked = false;
	cl->mode = MODE_ROLE;
	cl->chief = false;
	cl->previous = SP_NONE;
}

static void
start_object(Classifier *cl, Mode mode, const Keyword *by)
{
	if (mode > cl->mode)
		cl->mode = mode;
	cl->object_by = by;
	cl->object_started = false;
	cl->chief = false;
}

/*
 * A word of an object: "Member of the Board", "Board of Directors",
 * "Editor in Chief", "Director of First Impressions"; not "Partner at Board
 * Capital", "VP at First Impressions Inc".
 */
static void
object_word(Classifier *cl, const Keyword *kw)
{
	Special		sp = kw ? (Special) kw->special : SP_NONE;
	bool		after_of = cl->object_by && cl->object_by->kind == KW_OF;
	bool		after_in = cl->object_by && cl->object_by->special == SP_IN;

	if (kw && kw->kind == KW_STOP)
		return;
	if (!cl->object_started)
	{
		if (after_of && cl->object_of == SP_MEMBER && sp == SP_BOARD)
			rerank_last_role(cl, R_C);
		else if (after_of && cl->object_of == SP_BOARD &&
				 sp == SP_DIRECTORS && !cl->object_voided)
			add_rank(cl, R_C);
		else if (after_in && cl->object_of == SP_EDITOR && sp == SP_CHIEF)
			rerank_last_role(cl, R_DIR);
	}
	/* "of First Impressions": the receptionist */
	if (after_of && sp == SP_IMPRESSIONS && cl->previous == SP_FIRST)
		rerank_last_role(cl, R_IC);
	cl->object_started = true;
}

/* A modifier (KW_MOD) of the role. */
static void
role_modifier(Classifier *cl, Special sp, Special previous)
{
	Role	   *role = &cl->role;

	switch (sp)
	{
		case SP_VICE:
			role->modifiers |= M_VICE;
			break;
		case SP_VICE_TYPO:
			role->modifiers |= M_DOMAIN;	/* an unknown word, unless a
											 * president follows */
			break;
		case SP_MANAGING:
			role->modifiers |= M_MANAGING;
			break;
		case SP_GENERAL:
			/* "Directeur général", "Director General", "Gerente General" */
			if (previous == SP_DIRECTOR || previous == SP_GERENTE)
				role_set(role, R_C, false);
			role->modifiers |= M_GENERAL;
			break;
		case SP_BOARD:
			/* "Lid Raad van Bestuur": member + board */
			if (previous == SP_MEMBER)
				role_set(role, R_C, false);
			role->modifiers |= M_BOARD;
			break;
		case SP_BUSINESS:
			role->modifiers |= M_BUSINESS | M_DOMAIN;
			break;
		case SP_OWNER_SCOPE:
			role->modifiers |= M_OWNER_SCOPE | M_DOMAIN;
			break;
		case SP_FUNERAL:
			role->modifiers |= M_PROFESSION;
			break;
		case SP_MILITARY:
			role->modifiers |= M_MILITARY;
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
		case SP_DELEGADO:
			/* "Consejero Delegado": the CEO in Spain */
			if (previous == SP_CONSEJERO)
				role_set(role, R_C, false);
			break;
		case SP_FORMER:
			/* "Founder ex-Google": the founder is a role of its own */
			if (role->rank != R_NONE || role->pending)
			{
				end_role(cl);
				if (cl->mode != MODE_ROLE)
					return;
			}
			role->voided = true;
			role->last = cl->previous = SP_FORMER;
			break;
		case SP_NOT_FORMER:
			if (previous == SP_FORMER)
				role->voided = false;	/* "ex officio", "past due" */
			break;
		case SP_RETIRED:
			if (previous != SP_SEMI)
				role->voided = true;
			break;
		default:
			break;
	}
}

/* A role word (KW_ROLE) of this rank. */
static void
role_title(Classifier *cl, Special sp, int rank, Special previous)
{
	Role	   *role = &cl->role;

	switch (sp)
	{
		case SP_PRESIDENT:
			if (role->modifiers & M_VICE || previous == SP_VICE_TYPO)
				rank = R_VP;
			break;
		case SP_DIRECTOR:
			if (role->modifiers & M_PROFESSION)
				rank = R_IC;	/* "Funeral Director" */
			else if (role->modifiers & (M_MANAGING | M_BOARD | M_NON_EXEC) ||
					 previous == SP_GENERAL)
				rank = R_C;		/* also "General Director" */
			break;
		case SP_MANAGER:
			if (role->modifiers & M_GENERAL)
				rank = R_DIR;
			break;
		case SP_GERENTE:
			if (previous == SP_DIRECTOR)
				rank = R_C;		/* "Director Gerente" */
			break;
		case SP_PARTNER:
			/* "Talent Partner", "HR Business Partner" */
			if (role->modifiers & M_DOMAIN)
				rank = R_IC;
			else if (role->modifiers & M_JUNIOR)
				rank = R_DIR;
			break;
		case SP_SOCIO:
			role->modifiers |= M_SOCIO;
			break;
		case SP_OWNER:
			if (role->modifiers & M_OWNER_SCOPE)
				rank = R_IC;
			break;
		default:
			break;
	}
	/* "Socio Director", "Sócio-gerente": a partner who directs */
	if ((role->modifiers & M_SOCIO) && rank >= R_MGR)
		rank = R_C;
	role_set(role, rank, false);
}

/*
 * A job word (KW_IC) with a special meaning next to its neighbours; false
 * if it has none here and is read as any job word.
 */
static bool
special_job(Classifier *cl, Special sp, Special previous)
{
	Role	   *role = &cl->role;

	switch (sp)
	{
		case SP_OFFICER:
			if (cl->chief)
			{
				cl->chief = false;
				/* "Chief Petty Officer": a rank, not an executive */
				role_set(role, (role->modifiers & M_MILITARY) ? R_IC : R_C,
						 false);
				return true;
			}
			return false;
		case SP_EXECUTIVE:
			if (previous == SP_NON)
			{
				role->modifiers |= M_NON_EXEC;
				return true;
			}
			if (role->modifiers & M_C_SUITE || role->pending & P_CHIEF)
			{
				role_set(role, R_C, false);
				return true;
			}
			return false;
		case SP_EJECUTIVO:
			/* "Director Ejecutivo", "Diretor Executivo": the CEO */
			if (previous == SP_DIRECTOR)
			{
				role_set(role, R_C, false);
				return true;
			}
			return false;
		case SP_COUNSEL:
			if (role->modifiers & M_GENERAL)
			{
				role_set(role, role->modifiers & M_JUNIOR ? R_DIR : R_C, false);
				return true;
			}
			return false;
		case SP_MEMBER:
			/* "Board Member", "Managing Member" (of an LLC) */
			if (role->modifiers & (M_BOARD | M_MANAGING))
			{
				role_set(role, R_C, false);
				return true;
			}
			return false;
		case SP_EDITOR:
			if (role->modifiers & M_MANAGING)
			{
				role_set(role, R_MGR, false);	/* "Managing Editor" */
				return true;
			}
			return false;
		case SP_TEACHER:
			if (role->pending & P_HEAD)
			{
				role_set(role, R_DIR, false);	/* "Head Teacher" */
				return true;
			}
			return false;
		case SP_HUNTER:
			role_set(role, R_IC, false);	/* "Head Hunter": a recruiter */
			return true;
		case SP_TRAINEE:
			role->trainee = true;
			return false;
		default:
			return false;
	}
}

/* A job word (KW_IC). */
static void
role_job(Classifier *cl, const Keyword *kw, Special previous)
{
	Role	   *role = &cl->role;

	if (special_job(cl, (Special) kw->special, previous))
		return;
	if ((kw->flags & F_WEAK) && (role->rank != R_NONE || role->pending))
		return;					/* "VP Admin" */
	if (role->pending & P_HEAD)
		role_set(role, R_MGR, false);	/* "Head Chef" */
	else if (role->pending & P_CHIEF)
	{
		role_set(role, R_DIR, false);	/* "Chief Architect" */
		cl->chief = false;
	}
	else
		role_set(role, R_IC, (kw->flags & F_DEPENDENT) != 0);
}

/* Ex-, former, retired...: words that void a role (see role_modifier()). */
static bool
is_void_word(const Keyword *kw)
{
	return kw && kw->kind == KW_MOD &&
		(kw->special == SP_FORMER || kw->special == SP_RETIRED);
}

/* A word of a role. */
static void
role_word(Classifier *cl, const Keyword *kw)
{
	Role	   *role = &cl->role;
	Special		previous = cl->previous;
	Special		sp;

	if (!is_void_word(kw))
		role->other_words++;
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
			role_modifier(cl, sp, previous);
			return;
		case KW_ROLE:
			role_title(cl, sp, kw->rank, previous);
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
			role_job(cl, kw, previous);
			return;
		case KW_STOP:
		case KW_CONJ:
		case KW_AT:
		case KW_OF:
		case KW_TO:
		case KW_NOW:
			break;				/* handled by the caller */
	}
}

/* Whether the role being read has a role word yet. */
static bool
role_started(const Classifier *cl)
{
	return cl->role.rank != R_NONE || cl->role.pending;
}

/*
 * Ends the current role before an object (at, in, of, to...): a "former"
 * alone there is about the object ("Partner, Formerly at McKinsey"), not
 * about the role before it.
 */
static int
end_role_before_object(Classifier *cl)
{
	if (cl->role.other_words == 0)
		cl->role.voided = false;
	return end_role(cl);
}

/* "of", "for", "to" (KW_OF, KW_TO). */
static void
preposition(Classifier *cl, const Keyword *kw)
{
	if (cl->mode == MODE_ROLE)
	{
		int			rank;
		bool		rest;

		/* "Chef de projet", "Chef d'équipe": a chef de ... runs it */
		if (kw->special == SP_DE && cl->role.last == SP_CHEF)
			role_set(&cl->role, R_MGR, false);
		rank = end_role_before_object(cl);
		rest = kw->kind == KW_TO ? rank <= R_IC : rank == R_IC;
		start_object(cl, rest ? MODE_REST : MODE_OBJECT, kw);
	}
	else if (kw->kind == KW_TO && cl->mode == MODE_OBJECT)
		cl->mode = MODE_REST;	/* "Chief of Staff to the CEO" */
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
	tz.no_join_before = tz.p;
	memset(&cl, 0, sizeof(cl));
	cl.best = cl.best_before_last = cl.before_now = cl.object_rank = R_NONE;
	cl.mode = MODE_ROLE;
	cl.previous = SP_NONE;
	cl.object_of = SP_NONE;
	role_reset(&cl.role);

	while ((token = next_token(&tz, &kw)) != TK_END)
	{
		/* kw is stale after a token that is no word */
		if (token != TK_WORD)
			kw = NULL;
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
			/* "Van Driver": "van" is "of" only after a role word */
			else if (kw->kind == KW_OF && (kw->flags & F_AFTER_ROLE) &&
					 cl.mode == MODE_ROLE && !role_started(&cl))
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
					end_role_before_object(&cl);
				start_object(&cl, MODE_OBJECT, kw);
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
				if (kw && kw->kind == KW_NOW)
					now_word(&cl);
				else if (kw && (kw->kind == KW_OF || kw->kind == KW_TO))
					preposition(&cl, kw);
				else if (cl.mode == MODE_ROLE)
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
	return rank_level[cl.best != R_NONE ? cl.best : cl.before_now];
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

/*
 * The order and lengths the lookups rely on; see seniority.h.  Each check
 * returns the first word that fails it.
 */
const char *
lq_seniority_check_tables(void)
{
	for (size_t i = 0; i < N_ELEMENTS(keywords); i++)
		if (strlen(keywords[i].word) > WORD_MAX ||
			(i > 0 && strcmp(keywords[i - 1].word, keywords[i].word) >= 0))
			return keywords[i].word;
	for (size_t i = 0; i < N_ELEMENTS(compound_heads); i++)
	{
		const CompoundHead *head = &compound_heads[i];

		if (head->length != strlen(head->keyword.word) ||
			head->length < COMPOUND_MIN)
			return head->keyword.word;
		/* an earlier head that ends this one would always match first */
		if (compound_head(head->keyword.word, head->length) != &head->keyword)
			return head->keyword.word;
	}
	for (size_t i = 0; i < N_ELEMENTS(typo_keys); i++)
	{
		const TypoKey *key = &typo_keys[i];

		if (key->length != strlen(key->word) || key->length < TYPO_MIN ||
			(lookup(key->word) == NULL &&
			 compound_head(key->word, key->length) == NULL))
			return key->word;
	}
	for (size_t i = 0; i < N_ELEMENTS(not_typos); i++)
	{
		const char *word = not_typos[i];
		size_t		n = strlen(word);
		bool		near_a_key = false;

		if (i > 0 && strcmp(not_typos[i - 1], word) >= 0)
			return word;
		/* else it is no exception to anything */
		for (size_t k = 0; k < N_ELEMENTS(typo_keys); k++)
			near_a_key |= one_edit_apart(word, n, typo_keys[k].word,
										 typo_keys[k].length);
		if (!near_a_key)
			return word;
	}
	return NULL;
}
