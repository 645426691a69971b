package watch

import "errors"

// errStopping stands for inject.ErrStopping until the runner's Session lands on main.
// TODO(watch): replace with inject.ErrStopping at the merge.
var errStopping = errors.New("stopping")
