/*
 * stage_test.c
 *		TAP unit tests of the plain-C funnel rules in src/core/stage.c.
 *		Built and run by "make unitcheck"; needs no server.
 */
#include <stdio.h>
#include <string.h>

#include "stage.h"

static int	test_count = 0;

static void
ok(int passed, const char *description)
{
	test_count++;
	printf("%sok %d - %s\n", passed ? "" : "not ", test_count, description);
}

static LqRowFacts
update_facts(LqStage old_stage, LqStage new_stage, bool old_meets,
			 bool new_meets, bool rose)
{
	LqRowFacts	facts;

	memset(&facts, 0, sizeof(facts));
	facts.old_stage = old_stage;
	facts.new_stage = new_stage;
	facts.old_meets_threshold = old_meets;
	facts.new_meets_threshold = new_meets;
	facts.score_rose = rose;
	return facts;
}

static void
test_names(void)
{
	int			round_trips = 1;

	for (int s = 0; s < LQ_STAGE_COUNT; s++)
		round_trips &= lq_stage_from_name(lq_stage_name(s)) == s;
	ok(round_trips, "every stage name maps back to its stage");
	ok(lq_stage_from_name("MQL") == LQ_STAGE_INVALID, "names are case-sensitive, like the enum");
	ok(lq_stage_from_name("") == LQ_STAGE_INVALID, "the empty name is no stage");
	ok(lq_stage_name(LQ_STAGE_COUNT) == NULL, "a stage past the last has no name");
	ok(lq_stage_name(LQ_STAGE_INVALID) == NULL, "LQ_STAGE_INVALID has no name");
}

static void
test_funnel(void)
{
	ok(lq_stage_funnel_rank(LQ_STAGE_SUBSCRIBER) == 1, "subscriber ranks 1");
	ok(lq_stage_funnel_rank(LQ_STAGE_EVANGELIST) == 9, "evangelist ranks 9");
	ok(lq_stage_funnel_rank(LQ_STAGE_RECYCLED) == 0, "recycled has no rank");
	ok(!lq_stage_is_funnel(LQ_STAGE_DISQUALIFIED), "disqualified is a detour");
	ok(lq_stage_is_funnel(LQ_STAGE_PQL), "pql is on the funnel");
	ok(lq_is_promotion_target(LQ_STAGE_MQL) && lq_is_promotion_target(LQ_STAGE_PQL),
	   "mql and pql are promotion targets");
	ok(!lq_is_promotion_target(LQ_STAGE_LEAD) && !lq_is_promotion_target(LQ_STAGE_RECYCLED),
	   "lead and recycled are not promotion targets");
}

static void
test_moves(void)
{
	int			forward_allowed = 1;
	int			backward_refused = 1;

	for (int from = LQ_STAGE_SUBSCRIBER; from <= LQ_STAGE_EVANGELIST; from++)
		for (int to = LQ_STAGE_SUBSCRIBER; to <= LQ_STAGE_EVANGELIST; to++)
		{
			if (to > from)
				forward_allowed &= lq_move_verdict(from, to) == LQ_MOVE_ALLOWED;
			else if (to < from)
				backward_refused &= lq_move_verdict(from, to) == LQ_MOVE_BACKWARD;
		}
	ok(forward_allowed, "every forward move on the funnel is allowed, skips included");
	ok(backward_refused, "every backward move on the funnel is refused");
	ok(lq_move_verdict(LQ_STAGE_SQL, LQ_STAGE_RECYCLED) == LQ_MOVE_NEEDS_REASON,
	   "entering recycled needs a reason");
	ok(lq_move_verdict(LQ_STAGE_LEAD, LQ_STAGE_DISQUALIFIED) == LQ_MOVE_NEEDS_REASON,
	   "entering disqualified needs a reason, even from early stages");
	ok(lq_move_verdict(LQ_STAGE_RECYCLED, LQ_STAGE_DISQUALIFIED) == LQ_MOVE_NEEDS_REASON,
	   "moving between detours needs a reason");
	ok(lq_move_verdict(LQ_STAGE_RECYCLED, LQ_STAGE_LEAD) == LQ_MOVE_ALLOWED,
	   "leaving a detour for the funnel is allowed");
}

static void
test_promotion(void)
{
	LqRowFacts	facts;

	facts = update_facts(LQ_STAGE_LEAD, LQ_STAGE_LEAD, false, true, true);
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE, "a lead meeting the threshold is promoted");
	facts.new_meets_threshold = false;
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE, "a lead below the threshold stays");

	facts = update_facts(LQ_STAGE_SUBSCRIBER, LQ_STAGE_SUBSCRIBER, true, true, false);
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE,
	   "a subscriber already above the threshold is promoted on any update");

	facts = update_facts(LQ_STAGE_SQL, LQ_STAGE_SQL, false, true, true);
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE, "an sql is never promoted (no demotion)");

	facts = update_facts(LQ_STAGE_DISQUALIFIED, LQ_STAGE_DISQUALIFIED, false, true, true);
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE, "a disqualified lead is never promoted");

	facts = update_facts(LQ_STAGE_RECYCLED, LQ_STAGE_RECYCLED, false, true, true);
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE,
	   "a recycled lead crossing the threshold from below is promoted");

	facts = update_facts(LQ_STAGE_RECYCLED, LQ_STAGE_RECYCLED, true, true, false);
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE,
	   "a recycled lead above the threshold whose score did not rise stays recycled");

	facts = update_facts(LQ_STAGE_RECYCLED, LQ_STAGE_RECYCLED, true, true, true);
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE,
	   "a recycled lead above the threshold whose score rose needs the recycled score");

	facts = update_facts(LQ_STAGE_MQL, LQ_STAGE_RECYCLED, false, true, true);
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE,
	   "a lead moved into recycled by this update stays there");

	facts = update_facts(LQ_STAGE_RECYCLED, LQ_STAGE_LEAD, true, true, false);
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE,
	   "a recycled lead moved back to lead above the threshold is promoted");
	facts.repair = true;
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE,
	   "in repair mode a stage set by hand is kept");

	facts = update_facts(LQ_STAGE_LEAD, LQ_STAGE_LEAD, false, true, true);
	facts.repair = true;
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE,
	   "in repair mode a score change still promotes");

	memset(&facts, 0, sizeof(facts));
	facts.is_insert = true;
	facts.new_stage = LQ_STAGE_LEAD;
	facts.new_meets_threshold = true;
	ok(lq_decide_promotion(&facts) == LQ_PROMOTE, "an inserted lead meeting the threshold is promoted");
	facts.new_stage = LQ_STAGE_RECYCLED;
	ok(lq_decide_promotion(&facts) == LQ_KEEP_STAGE, "an inserted recycled lead is not promoted");
}

/* Invariants of lq_decide_promotion over every combination of facts. */
static void
test_promotion_invariants(void)
{
	int			below_never_promotes = 1;
	int			only_promotable_stages = 1;
	int			repair_keeps_hand_moves = 1;
	int			inserts_never_ask_for_recycled_score = 1;
	int			only_still_recycled_asks = 1;

	for (int old_stage = 0; old_stage < LQ_STAGE_COUNT; old_stage++)
		for (int new_stage = 0; new_stage < LQ_STAGE_COUNT; new_stage++)
			for (int bits = 0; bits < 32; bits++)
			{
				LqRowFacts	facts;
				LqPromotion result;
				bool		moved_by_hand;

				facts.old_stage = old_stage;
				facts.new_stage = new_stage;
				facts.is_insert = bits & 1;
				facts.repair = (bits >> 1) & 1;
				facts.new_meets_threshold = (bits >> 2) & 1;
				facts.old_meets_threshold = (bits >> 3) & 1;
				facts.score_rose = (bits >> 4) & 1;
				result = lq_decide_promotion(&facts);
				moved_by_hand = !facts.is_insert && old_stage != new_stage;

				if (!facts.new_meets_threshold)
					below_never_promotes &= result == LQ_KEEP_STAGE;
				if (result != LQ_KEEP_STAGE)
					only_promotable_stages &= lq_promotion_rule(new_stage) != LQ_PROMOTE_NEVER;
				if (facts.repair && moved_by_hand)
					repair_keeps_hand_moves &= result == LQ_KEEP_STAGE;
				if (facts.is_insert)
					inserts_never_ask_for_recycled_score &=
						result != LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE;
				if (result == LQ_PROMOTE_IF_ABOVE_RECYCLED_SCORE)
					only_still_recycled_asks &= old_stage == LQ_STAGE_RECYCLED &&
						new_stage == LQ_STAGE_RECYCLED && facts.score_rose;
			}
	ok(below_never_promotes, "no combination promotes a score below the threshold");
	ok(only_promotable_stages, "only subscriber, lead and recycled are ever promoted");
	ok(repair_keeps_hand_moves, "repair mode never overrides a stage set by hand");
	ok(inserts_never_ask_for_recycled_score, "an INSERT never needs the recycled score");
	ok(only_still_recycled_asks, "only a still-recycled lead whose score rose needs the recycled score");
}

int
main(void)
{
	test_names();
	test_funnel();
	test_moves();
	test_promotion();
	test_promotion_invariants();
	printf("1..%d\n", test_count);
	return 0;
}
