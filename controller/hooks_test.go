package controller

import "github.com/itms-tools/reconciler/leader"

func newFileLock(path string) leader.Lock { return leader.NewFile(path) }
