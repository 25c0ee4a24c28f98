package emstest

import "fmt"

// factoryData builds the initial state: the group root, the default group and the Default
// profile and, unless WithoutFactoryData, a second profile and twelve endpoints (eight
// online, three of them out of sync with their profile: PC-02, PC-05 online and PC-06
// offline) registered in the default group.
func (s *Server) factoryData() {
	s.endpoints = map[int]*endpoint{}
	s.groups = map[int]*group{
		rootGroupID:    {ID: rootGroupID, Name: "All Groups"},
		defaultGroupID: {ID: defaultGroupID, Name: "Other Endpoints", ParentID: rootGroupID},
	}
	s.tags = map[int]*tag{}
	s.tagRules = map[int]*tagRule{}
	s.fortigates = map[int]*fortigate{}
	s.profiles = []*profile{{ID: 1, Name: "Default", Type: "endpoint", xml: defaultProfileXML}}
	if s.cfg.noFactory {
		return
	}
	s.profiles = append(s.profiles, &profile{ID: 2, Name: "Workstations", Type: "endpoint", xml: defaultProfileXML})
	for i := 1; i <= 12; i++ {
		s.addEndpointLocked(EndpointSeed{Name: fmt.Sprintf("PC-%02d", i), User: fmt.Sprintf("user%02d", i),
			IP: fmt.Sprintf("10.10.30.%d", 10+i), Online: i%3 != 0, OutOfSync: i == 2 || i == 5 || i == 6})
	}
}
