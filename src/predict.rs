//! Live prediction: review text to the probability that it is positive.
