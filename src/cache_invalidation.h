/*
 * cache_invalidation.h
 *		leadqual's one relcache callback and one syscache callback, which
 *		pass invalidations on to every cache of leadqual's
 *		(cache_invalidation.c).
 */
#ifndef LQ_CACHE_INVALIDATION_H
#define LQ_CACHE_INVALIDATION_H

extern void lq_register_cache_callbacks(void);

#endif							/* LQ_CACHE_INVALIDATION_H */
