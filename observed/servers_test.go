package observed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/itms-tools/reconciler/observed"
)

func TestListServers(t *testing.T) {
	good := []observed.RawServer{
		{ID: "AAAAAAAA-0000-0000-0000-000000000001", Name: "PS001", Counts: map[string]int{"Ready": 3}},
		{ID: "not-a-guid", Name: "PS002", Counts: map[string]int{"Ready": 1}},
	}
	tests := []struct {
		name     string
		servers  func(context.Context) ([]observed.RawServer, error)
		wantErr  bool
		wantList int
		rejects  int
	}{
		{"listed", func(context.Context) ([]observed.RawServer, error) { return good, nil }, false, 1, 1},
		{"failure voids the pass", func(context.Context) ([]observed.RawServer, error) {
			return nil, errors.New("timeout")
		}, true, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &observed.Observer{CMDB: &fakeCMDB{ServersFunc: tc.servers},
				NS: settingNS(observed.NSState{PolicyVersion: 1})}
			obs := o.ReadSite(context.Background(), time.Now(), false)
			if obs.ServersListed {
				t.Fatal("listed before ListServers")
			}
			o.ListServers(context.Background(), obs)
			if (obs.CMDBErr != nil) != tc.wantErr {
				t.Fatalf("CMDBErr = %v, want error %v", obs.CMDBErr, tc.wantErr)
			}
			if got := len(obs.Servers()); got != tc.wantList {
				t.Errorf("servers = %d, want %d", got, tc.wantList)
			}
			if got := len(obs.Rejects); got != tc.rejects {
				t.Errorf("rejects = %d, want %d", got, tc.rejects)
			}
		})
	}
}
