"""From params to documents: running section notebooks with papermill, the build cache and lock, assembly with nbconvert, sanitising, the privacy guard, printing and preview."""
