package truenastest

import (
	"fmt"
	"regexp"
	"strings"
)

// AddAlert raises an alert and returns its uuid.
func (s *Server) AddAlert(level, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addAlert(level, "Sim", text)
}

func (st *state) addAlert(level, klass, text string) string {
	uuid := st.hex(16)
	st.alerts = append(st.alerts, map[string]any{"uuid": uuid, "source": "", "klass": klass, "args": nil, "node": "A",
		"key": uuid, "datetime": ejDate(st.now()), "last_occurrence": ejDate(st.now()), "dismissed": false, "mail": nil,
		"text": text, "id": uuid, "level": level, "formatted": text, "one_shot": true})
	return uuid
}

// APIKeyRevoked reports whether the server's API key was revoked (used over plain ws:// from
// a non-loopback peer).
func (s *Server) APIKeyRevoked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keyState[s.cfg.apiKey]
}

// SetServiceState sets a service's state ("RUNNING"/"STOPPED") for tests.
func (s *Server) SetServiceState(name, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, svc := range s.st.services {
		if svc["service"] == name {
			svc["state"] = state
		}
	}
}

// login checks an API key (revoking it on an insecure transport).
func (c *call) loginKey(user, key string) bool {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	revoked, known := s.keyState[key]
	if !known || revoked || (user != "" && user != s.cfg.username) {
		return false
	}
	if !c.ss.secure {
		s.keyState[key] = true
		s.st.addAlert("WARNING", "APIKeyRevoked", fmt.Sprintf("API key for user %s has been revoked: it was used over an insecure transport.", s.cfg.username))
		return false
	}
	c.ss.authed, c.ss.user = true, s.cfg.username
	return true
}

func (c *call) loginPassword(user, password string) bool {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if user != s.cfg.username || password != s.cfg.password {
		return false
	}
	c.ss.authed, c.ss.user = true, user
	return true
}

var usernameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*\$?$`)

func init() {
	register("core.ping", method{fn: func(c *call) (any, error) { return "pong", nil }})
	// The mechanisms of authenticator assurance level 1 (utils/auth.py AA_LEVEL1 at
	// TS-25.04.2.6, TS-25.10.6 and TS-26.0.0-BETA.3): SCRAM from 26.0. The list is the
	// release's, whatever the endpoint (inferred: the result is not versioned).
	register("auth.mechanism_choices", method{fn: func(c *call) (any, error) {
		m := []string{"API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN"}
		if c.s.scramOffered() {
			m = append(m, "SCRAM")
		}
		return m, nil
	}})
	register("auth.login_ex_continue", method{fn: func(c *call) (any, error) {
		var data struct {
			Mechanism string `json:"mechanism"`
			ScramType string `json:"scram_type"`
			RFCStr    string `json:"rfc_str"`
		}
		if err := c.arg(0, &data); err != nil {
			return nil, err
		}
		if data.Mechanism != "SCRAM" || !c.s.scramOffered() || truenasCompare(c.ss.version, "v26.0.0") < 0 {
			return nil, badParams("login_data.mechanism", "Input should be 'OTP_TOKEN'")
		}
		return c.loginSCRAM(data.ScramType, data.RFCStr)
	}})
	register("auth.login_ex", method{fn: func(c *call) (any, error) {
		var data struct {
			Mechanism string `json:"mechanism"`
			Username  string `json:"username"`
			APIKey    string `json:"api_key"`
			Password  string `json:"password"`
			ScramType string `json:"scram_type"`
			RFCStr    string `json:"rfc_str"`
		}
		if err := c.arg(0, &data); err != nil {
			return nil, err
		}
		ok := false
		switch data.Mechanism {
		case "SCRAM":
			// AuthSCRAM exists in api/v26_0_0/auth.py only (TS-26.0.0-BETA.3).
			if !c.s.scramOffered() || truenasCompare(c.ss.version, "v26.0.0") < 0 {
				return nil, badParams("login_data.mechanism", "Input should be 'API_KEY_PLAIN', 'PASSWORD_PLAIN', 'TOKEN_PLAIN' or 'OTP_TOKEN'")
			}
			return c.loginSCRAM(data.ScramType, data.RFCStr)
		case "API_KEY_PLAIN":
			if data.Username == "" {
				return nil, badParams("login_data.username", "Field required")
			}
			ok = c.loginKey(data.Username, data.APIKey)
		case "PASSWORD_PLAIN":
			ok = c.loginPassword(data.Username, data.Password)
		default:
			allowed := "'API_KEY_PLAIN', 'PASSWORD_PLAIN', 'TOKEN_PLAIN' or 'OTP_TOKEN'"
			if c.s.scramOffered() && truenasCompare(c.ss.version, "v26.0.0") >= 0 {
				allowed = "'API_KEY_PLAIN', 'PASSWORD_PLAIN', 'TOKEN_PLAIN', 'OTP_TOKEN' or 'SCRAM'"
			}
			return nil, badParams("login_data.mechanism", "Input should be "+allowed)
		}
		if !ok {
			return map[string]any{"response_type": "AUTH_ERR"}, nil
		}
		return map[string]any{"response_type": "SUCCESS", "authenticator": "LEVEL_1", "user_info": c.s.userInfo()}, nil
	}})
	register("auth.login_with_api_key", method{fn: func(c *call) (any, error) {
		var key string
		if err := c.arg(0, &key); err != nil {
			return nil, err
		}
		return c.loginKey("", key), nil
	}, removedIn: "v27.0.0"})
	register("auth.login", method{fn: func(c *call) (any, error) {
		var user, pw string
		_ = c.arg(0, &user)
		_ = c.arg(1, &pw)
		return c.loginPassword(user, pw), nil
	}, removedIn: "v27.0.0"})
	register("auth.me", method{fn: func(c *call) (any, error) {
		return map[string]any{"pw_name": c.ss.user, "pw_uid": 950}, nil
	}})
	register("system.info", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		now := c.s.st.now()
		return map[string]any{"version": c.s.st.versionShort, "buildtime": ejDate(now.AddDate(0, -1, 0)), "hostname": "truenas-sim",
			"physmem": int64(34359738368), "model": "Intel(R) Xeon(R) E-2236", "cores": 12, "physical_cores": 6,
			"loadavg": []float64{0.03, 0.03, 0.01}, "uptime": "1:11:18.208098", "uptime_seconds": 4278.2,
			"system_serial": "SIM0001", "system_product": "TrueNAS Simulator", "system_product_version": "1.0", "license": nil,
			"boottime": ejDate(now.Add(-4278 * 1e9)), "datetime": ejDate(now), "timezone": "Europe/Paris",
			"system_manufacturer": "sitekit", "ecc_memory": true}, nil
	}})
	register("system.version_short", method{fn: func(c *call) (any, error) { return c.s.st.versionShort, nil }})
	register("system.version", method{fn: func(c *call) (any, error) { return "TrueNAS-" + c.s.st.versionShort, nil }})
	register("system.ready", method{fn: func(c *call) (any, error) { return true, nil }})
	register("system.state", method{fn: func(c *call) (any, error) { return "READY", nil }})

	register("alert.list", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		out := make([]map[string]any, 0, len(c.s.st.alerts))
		for _, a := range c.s.st.alerts {
			out = append(out, toRow(a))
		}
		return out, nil
	}})
	alertSet := func(dismissed bool) func(c *call) (any, error) {
		return func(c *call) (any, error) {
			var uuid string
			if err := c.arg(0, &uuid); err != nil {
				return nil, err
			}
			c.s.mu.Lock()
			defer c.s.mu.Unlock()
			for _, a := range c.s.st.alerts {
				if a["uuid"] == uuid {
					a["dismissed"] = dismissed
					return nil, nil
				}
			}
			return nil, callError(2, fmt.Sprintf("Alert %s does not exist", uuid))
		}
	}
	register("alert.dismiss", method{fn: alertSet(true)})
	register("alert.restore", method{fn: alertSet(false)})

	register("service.query", method{fn: func(c *call) (any, error) {
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		rows := make([]map[string]any, 0, len(c.s.st.services))
		for _, r := range c.s.st.services {
			rows = append(rows, toRow(r))
		}
		return runQuery(rows, c.params)
	}})
	register("service.update", method{fn: func(c *call) (any, error) {
		var id any
		var data struct {
			Enable *bool `json:"enable"`
		}
		if err := c.args(&id, &data); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		svc := c.s.st.service(id)
		if svc == nil {
			return nil, instanceNotFound(fmt.Sprintf("Service %v does not exist", id))
		}
		if data.Enable != nil {
			svc["enable"] = *data.Enable
		}
		return svc["id"], nil
	}})
	control := func(c *call, verb, name string) (bool, error) {
		svc := c.s.st.service(name)
		if svc == nil {
			return false, callError(2, fmt.Sprintf("The service %s does not exist", name))
		}
		switch verb {
		case "START", "RESTART", "RELOAD":
			svc["state"] = "RUNNING"
			svc["pids"] = []any{4242}
		case "STOP":
			svc["state"] = "STOPPED"
			svc["pids"] = []any{}
		default:
			return false, badParams("verb", "Input should be 'START', 'STOP', 'RESTART' or 'RELOAD'")
		}
		return true, nil
	}
	for _, verb := range []string{"start", "stop", "restart", "reload"} {
		register("service."+verb, method{fn: func(c *call) (any, error) {
			var name string
			if err := c.arg(0, &name); err != nil {
				return nil, err
			}
			c.s.mu.Lock()
			defer c.s.mu.Unlock()
			return control(c, strings.ToUpper(verb), name)
		}, removedIn: "v26.0.0"})
	}
	register("service.control", method{fn: func(c *call) (any, error) {
		var verb, name string
		if err := c.args(&verb, &name); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		if c.s.st.service(name) == nil {
			return nil, validationError(verr{attr: "service", msg: fmt.Sprintf("The service %s does not exist", name)})
		}
		return c.startJob([]any{verb, name}, false, func() (any, error) { return control(c, verb, name) }), nil
	}, since: "v25.10.0"})

	register("user.query", method{fn: queryRows("user", plain)})
	register("user.create", method{fn: func(c *call) (any, error) {
		var data map[string]any
		if err := c.arg(0, &data); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		t := c.s.st.tables["user"]
		if errs := validateUser(c.s.st, data, true, 0); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		row := map[string]any{"uid": int64(3000 + t.next), "username": data["username"], "full_name": data["full_name"],
			"home": str(data["home"], "/var/empty"), "shell": str(data["shell"], "/usr/sbin/nologin"), "email": data["email"],
			"builtin": false, "locked": data["locked"] == true, "password_disabled": data["password_disabled"] == true,
			"smb": data["smb"] == true, "sshpubkey": data["sshpubkey"], "sudo_commands": []any{}}
		return toRow(t.insert(row)), nil
	}})
	register("user.update", method{fn: func(c *call) (any, error) {
		var id int64
		var data map[string]any
		if err := c.args(&id, &data); err != nil {
			return nil, err
		}
		c.s.mu.Lock()
		defer c.s.mu.Unlock()
		row, err := c.s.st.tables["user"].get(id, "User")
		if err != nil {
			return nil, err
		}
		if errs := validateUser(c.s.st, data, false, id); len(errs) > 0 {
			return nil, validationError(errs...)
		}
		for k, v := range data {
			if k != "password" && k != "group_create" {
				row[k] = v
			}
		}
		return toRow(row), nil
	}})
	register("user.delete", method{fn: withRow("user", "User", func(c *call, id int64, row map[string]any) (any, error) {
		if row["builtin"] == true {
			return nil, callError(22, "Cannot delete a builtin user")
		}
		delete(c.s.st.tables["user"].rows, id)
		return id, nil
	})})
}

func validateUser(st *state, data map[string]any, create bool, id int64) []verr {
	sch := "user_update"
	if create {
		sch = "user_create"
	}
	var errs []verr
	name, hasName := data["username"].(string)
	if create && !hasName {
		errs = append(errs, verr{attr: sch + ".username", msg: "Field required"})
	} else if hasName {
		if !usernameRE.MatchString(name) || len(name) > 32 {
			errs = append(errs, verr{attr: sch + ".username", msg: "Invalid username"})
		} else if u := st.tables["user"].find("username", name); u != nil && u["id"] != id {
			errs = append(errs, verr{attr: sch + ".username", msg: fmt.Sprintf("The username %q already exists.", name), errno: 17})
		}
	}
	if _, ok := data["full_name"]; create && !ok {
		errs = append(errs, verr{attr: sch + ".full_name", msg: "Field required"})
	}
	pw, hasPw := data["password"].(string)
	disabled := data["password_disabled"] == true
	if create && !disabled && (!hasPw || pw == "") && data["random_password"] != true {
		errs = append(errs, verr{attr: sch + ".password", msg: "Password is required"})
	}
	if disabled && hasPw && pw != "" {
		errs = append(errs, verr{attr: sch + ".password", msg: "Password authentication may not be disabled if password is set"})
	}
	if create && data["group_create"] != true {
		if _, ok := data["group"]; !ok {
			errs = append(errs, verr{attr: sch + ".group", msg: "Enter either a group name or create a new group to continue."})
		}
	}
	return errs
}

func (st *state) service(id any) map[string]any {
	for _, svc := range st.services {
		if compare(svc["id"], id) == 0 || svc["service"] == id {
			return svc
		}
	}
	return nil
}

func str(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

// AddPool adds a healthy pool (and its root dataset), e.g. a second pool as a local
// replication target.
func (s *Server) AddPool(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.pool(name) == nil {
		s.st.addPool(name)
	}
}
