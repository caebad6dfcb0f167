"""Work orders (工单): acceptance, dispatch, handling, callback, supervision (R-04 … R-25)."""
