// An error that every rank of a job raises alike, at the same point (the decision was taken
// collectively, e.g. broadcast from rank 0). The program can then report it once and let every
// rank exit in order, instead of aborting the job as it must for an error of one rank alone.
#pragma once
#include "eipnn/core/error.hpp"

namespace eipnn {

class CollectiveError : public Error {
public:
    using Error::Error;
};

}  // namespace eipnn
