package truenas

import (
	"context"
	"iter"
	"strconv"
	"strings"

	"github.com/sitekit/sitekit"
)

// Dataset is a pool.dataset.query entry. ZFS properties are [Property] objects.
type Dataset struct {
	ID             string              `json:"id"`
	Type           string              `json:"type"` // FILESYSTEM or VOLUME
	Name           string              `json:"name"`
	Pool           string              `json:"pool"`
	Encrypted      bool                `json:"encrypted"`
	EncryptionRoot string              `json:"encryption_root"`
	KeyLoaded      bool                `json:"key_loaded"`
	Locked         bool                `json:"locked"`
	Mountpoint     string              `json:"mountpoint"`
	Children       []Dataset           `json:"children"`
	UserProperties map[string]Property `json:"user_properties"`

	Comments        Property `json:"comments"`
	Compression     Property `json:"compression"`
	CompressRatio   Property `json:"compressratio"`
	Sync            Property `json:"sync"`
	Atime           Property `json:"atime"`
	Exec            Property `json:"exec"`
	Readonly        Property `json:"readonly"`
	Deduplication   Property `json:"deduplication"`
	Snapdir         Property `json:"snapdir"`
	Copies          Property `json:"copies"`
	ACLType         Property `json:"acltype"`
	ACLMode         Property `json:"aclmode"`
	CaseSensitivity Property `json:"casesensitivity"`
	Quota           Property `json:"quota"`
	RefQuota        Property `json:"refquota"`
	Reservation     Property `json:"reservation"`
	RefReservation  Property `json:"refreservation"`
	Recordsize      Property `json:"recordsize"`
	Volsize         Property `json:"volsize"`
	Volblocksize    Property `json:"volblocksize"`
	Used            Property `json:"used"`
	Available       Property `json:"available"`
}

// Comment returns the dataset's comments text (where the sitekit marker lives).
func (d Dataset) Comment() string { return d.Comments.String() }

// UserProperty is a ZFS user property; its key must contain ":" ("msp:site").
type UserProperty struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Remove bool   `json:"remove,omitempty"`
}

// DatasetRequest creates a dataset (all fields) or updates one partially (only the fields
// set; Name, Type, CaseSensitivity, ShareType, Sparse and Volblocksize cannot be updated).
// Enumerations are TrueNAS's: Compression ON OFF LZ4 GZIP GZIP-1…9 ZSTD ZSTD-1…19 ZSTD-FAST
// ZLE LZJB INHERIT; Sync STANDARD ALWAYS DISABLED INHERIT; ShareType GENERIC MULTIPROTOCOL
// NFS SMB APPS. Quota and RefQuota are bytes: 0 (none) or at least 1 GiB.
type DatasetRequest struct {
	Name            string         `json:"name,omitempty"`
	Type            string         `json:"type,omitempty"`
	Comments        *string        `json:"comments,omitempty"`
	Compression     string         `json:"compression,omitempty"`
	Sync            string         `json:"sync,omitempty"`
	Atime           string         `json:"atime,omitempty"`
	Exec            string         `json:"exec,omitempty"`
	Readonly        string         `json:"readonly,omitempty"`
	Deduplication   string         `json:"deduplication,omitempty"`
	Snapdir         string         `json:"snapdir,omitempty"`
	ACLType         string         `json:"acltype,omitempty"`
	ACLMode         string         `json:"aclmode,omitempty"`
	CaseSensitivity string         `json:"casesensitivity,omitempty"`
	ShareType       string         `json:"share_type,omitempty"`
	Quota           *int64         `json:"quota,omitempty"`
	RefQuota        *int64         `json:"refquota,omitempty"`
	Reservation     *int64         `json:"reservation,omitempty"`
	Recordsize      string         `json:"recordsize,omitempty"`
	Volsize         int64          `json:"volsize,omitempty"`
	Volblocksize    string         `json:"volblocksize,omitempty"`
	Sparse          *bool          `json:"sparse,omitempty"`
	CreateAncestors bool           `json:"create_ancestors,omitempty"`
	UserProperties  []UserProperty `json:"user_properties,omitempty"`
}

const gib = int64(1) << 30

var compressions = []string{"ON", "OFF", "LZ4", "GZIP", "GZIP-1", "GZIP-2", "GZIP-3", "GZIP-4", "GZIP-5", "GZIP-6", "GZIP-7", "GZIP-8", "GZIP-9",
	"ZSTD", "ZSTD-FAST", "ZLE", "LZJB", "INHERIT",
	"ZSTD-1", "ZSTD-2", "ZSTD-3", "ZSTD-4", "ZSTD-5", "ZSTD-6", "ZSTD-7", "ZSTD-8", "ZSTD-9", "ZSTD-10", "ZSTD-11", "ZSTD-12", "ZSTD-13",
	"ZSTD-14", "ZSTD-15", "ZSTD-16", "ZSTD-17", "ZSTD-18", "ZSTD-19",
	"ZSTD-FAST-1", "ZSTD-FAST-2", "ZSTD-FAST-3", "ZSTD-FAST-4", "ZSTD-FAST-5", "ZSTD-FAST-6", "ZSTD-FAST-7", "ZSTD-FAST-8", "ZSTD-FAST-9",
	"ZSTD-FAST-10", "ZSTD-FAST-20", "ZSTD-FAST-30", "ZSTD-FAST-40", "ZSTD-FAST-50", "ZSTD-FAST-60", "ZSTD-FAST-70", "ZSTD-FAST-80",
	"ZSTD-FAST-90", "ZSTD-FAST-100", "ZSTD-FAST-500", "ZSTD-FAST-1000"}

func validateQuota(field string, q *int64) error {
	switch {
	case q == nil || *q == 0:
		return nil
	case *q < 0:
		return sitekit.Invalid(field, *q, "must not be negative")
	case *q < gib:
		return sitekit.Invalid(field, *q, "must be 0 (none) or at least 1 GiB")
	}
	return nil
}

// validate checks the request; create selects the create rules.
func (r DatasetRequest) validate(create bool) error {
	if create {
		if err := validateDatasetName("Name", r.Name, false); err != nil {
			return err
		}
	} else {
		for f, set := range map[string]bool{"Name": r.Name != "", "Type": r.Type != "", "CaseSensitivity": r.CaseSensitivity != "",
			"ShareType": r.ShareType != "", "Sparse": r.Sparse != nil, "Volblocksize": r.Volblocksize != "", "CreateAncestors": r.CreateAncestors} {
			if set {
				return sitekit.Invalid(f, "(set)", "cannot be changed by an update")
			}
		}
	}
	onOff := []string{"ON", "OFF", "INHERIT"}
	for _, c := range []struct {
		f, v    string
		allowed []string
	}{
		{"Type", r.Type, []string{"FILESYSTEM", "VOLUME"}},
		{"Compression", r.Compression, compressions},
		{"Sync", r.Sync, []string{"STANDARD", "ALWAYS", "DISABLED", "INHERIT"}},
		{"Atime", r.Atime, onOff}, {"Exec", r.Exec, onOff}, {"Readonly", r.Readonly, onOff},
		{"Deduplication", r.Deduplication, []string{"ON", "VERIFY", "OFF", "INHERIT"}},
		{"Snapdir", r.Snapdir, []string{"DISABLED", "VISIBLE", "HIDDEN", "INHERIT"}},
		{"ACLType", r.ACLType, []string{"OFF", "NFSV4", "POSIX", "INHERIT"}},
		{"ACLMode", r.ACLMode, []string{"PASSTHROUGH", "RESTRICTED", "DISCARD", "INHERIT"}},
		{"CaseSensitivity", r.CaseSensitivity, []string{"SENSITIVE", "INSENSITIVE", "INHERIT"}},
		{"ShareType", r.ShareType, []string{"GENERIC", "MULTIPROTOCOL", "NFS", "SMB", "APPS"}},
	} {
		if err := oneOf(c.f, c.v, c.allowed...); err != nil {
			return err
		}
	}
	if (r.ACLType == "POSIX" || r.ACLType == "OFF") && r.ACLMode != "" && r.ACLMode != "DISCARD" {
		return sitekit.Invalid("ACLMode", r.ACLMode, "must be DISCARD when ACLType is POSIX or OFF")
	}
	if err := validateQuota("Quota", r.Quota); err != nil {
		return err
	}
	if err := validateQuota("RefQuota", r.RefQuota); err != nil {
		return err
	}
	if r.Reservation != nil && *r.Reservation < 0 {
		return sitekit.Invalid("Reservation", *r.Reservation, "must not be negative")
	}
	if r.Type == "VOLUME" {
		if create && r.Volsize <= 0 {
			return sitekit.Invalid("Volsize", r.Volsize, "is required (bytes) for a VOLUME")
		}
		if r.Quota != nil || r.RefQuota != nil || r.Recordsize != "" {
			return sitekit.Invalid("Type", r.Type, "a VOLUME takes no Quota, RefQuota or Recordsize")
		}
	} else if r.Volsize != 0 || r.Volblocksize != "" || r.Sparse != nil {
		if create || r.Volsize < 0 {
			return sitekit.Invalid("Volsize", r.Volsize, "applies to VOLUME datasets only")
		}
	}
	for i, p := range r.UserProperties {
		if len(p.Key) < 3 || !strings.Contains(p.Key[1:len(p.Key)-1], ":") {
			return sitekit.Invalid("UserProperties["+strconv.Itoa(i)+"].Key", p.Key, `must contain ":" (e.g. "msp:site")`)
		}
	}
	return nil
}

// DatasetDeleteOptions are the options of pool.dataset.delete: Recursive also destroys
// child datasets, Force unmounts busy ones.
type DatasetDeleteOptions struct {
	Recursive bool `json:"recursive"`
	Force     bool `json:"force"`
}

// DatasetsService manages datasets. Identity is the dataset name ("tank/backups").
type DatasetsService struct{ c *Client }

// List returns the datasets selected by opts (nil: all of them).
func (s *DatasetsService) List(ctx context.Context, opts *ListOptions) ([]Dataset, error) {
	return query[Dataset](ctx, s.c, "pool.dataset.query", opts)
}

// All iterates over the datasets selected by opts, 100 per call; an error ends the sequence.
func (s *DatasetsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Dataset, error] {
	return pages[Dataset](ctx, s.c, "pool.dataset.query", opts, 100)
}

// Get returns the dataset called name; an error matching sitekit.ErrNotFound when absent.
func (s *DatasetsService) Get(ctx context.Context, name string) (Dataset, error) {
	if err := validateDatasetName("Name", name, true); err != nil {
		return Dataset{}, err
	}
	return getOne[Dataset](ctx, s.c, "pool.dataset.query", Eq("id", name))
}

// Create creates a dataset (pool.dataset.create, a plain call).
func (s *DatasetsService) Create(ctx context.Context, req DatasetRequest) (Dataset, error) {
	if err := req.validate(true); err != nil {
		return Dataset{}, err
	}
	return callT[Dataset](ctx, s.c, "pool.dataset.create", true, req)
}

// Update changes the fields set in req (pool.dataset.update).
func (s *DatasetsService) Update(ctx context.Context, name string, req DatasetRequest) (Dataset, error) {
	if err := validateDatasetName("Name", name, true); err != nil {
		return Dataset{}, err
	}
	if err := req.validate(false); err != nil {
		return Dataset{}, err
	}
	return callT[Dataset](ctx, s.c, "pool.dataset.update", true, name, req)
}

// Delete destroys a dataset (opts nil: not recursive, not forced). A missing dataset is an
// error matching sitekit.ErrNotFound; one with children, without Recursive, sitekit.ErrInUse.
func (s *DatasetsService) Delete(ctx context.Context, name string, opts *DatasetDeleteOptions) error {
	if err := validateDatasetName("Name", name, false); err != nil {
		return err
	}
	if opts == nil {
		opts = &DatasetDeleteOptions{}
	}
	return s.c.call(ctx, "pool.dataset.delete", []any{name, *opts}, nil, true)
}
